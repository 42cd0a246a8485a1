import http from 'node:http';
import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { count, lockDatabase, startOct, waitFor } from '../../helpers.js';
import { matching } from '../matchers.js';

const protoRoot = new URL('../../../proto/', import.meta.url).pathname;
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync(['google/rpc/status.proto', 'opentelemetry/proto/collector/trace/v1/trace_service.proto']);
const Status = root.lookupType('google.rpc.Status');
const ExportResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const ExportRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

const JSON_TYPE = { 'content-type': 'application/json' };
const PB_TYPE = { 'content-type': 'application/x-protobuf' };

function span(i: number, overrides: Record<string, unknown> = {}) {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'chat gpt-4o',
    startTimeUnixNano: '1760000000000000000',
    endTimeUnixNano: '1760000000850000000',
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
    ],
    ...overrides,
  };
}
const request = (spans: unknown[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
const chatRequest = (n: number, offset = 0) => request(Array.from({ length: n }, (_, i) => span(i + offset)));

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = JSON_TYPE) {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('POST /v1/traces status codes', () => {
  it('answers 200 with an empty ExportTraceServiceResponse in the request encoding', async () => {
    const oct = await startOct();
    const json = await post(oct.url, chatRequest(2));
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(json.body.toString())).toEqual({});

    const pb = ExportRequest.encode(ExportRequest.fromObject({ resourceSpans: [] })).finish();
    const proto = await post(oct.url, pb, PB_TYPE);
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect(ExportResponse.toObject(ExportResponse.decode(proto.body))).toEqual({});
  });

  it('accepts content types in any case and with parameters', async () => {
    const oct = await startOct();
    for (const type of ['APPLICATION/JSON', 'application/json; charset=utf-8']) {
      expect((await post(oct.url, chatRequest(1), { 'content-type': type })).status).toBe(200);
    }
  });

  it.each([['{}'], ['{"resourceSpans":[]}'], ['{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}']])(
    'answers 200 to %s and enqueues nothing',
    async (body) => {
      const oct = await startOct();
      expect((await post(oct.url, body)).status).toBe(200);
      expect(oct.runtime.health().pipeline.received).toBe(0);
    },
  );

  it('answers 200 to a 0-byte protobuf body', async () => {
    const oct = await startOct();
    expect((await post(oct.url, new Uint8Array(0), PB_TYPE)).status).toBe(200);
    expect(oct.runtime.health().pipeline.received).toBe(0);
  });

  it('rejects spans with empty or all-zero ids through partial_success and stores the others', async () => {
    const oct = await startOct();
    const res = await post(oct.url, request([span(0), span(1, { traceId: '0'.repeat(32) }), span(2, { spanId: '' }), span(3)]));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(Number(body.partialSuccess.rejectedSpans)).toBe(2);
    expect(body.partialSuccess.errorMessage).toMatch(/2 spans rejected/);
    await waitFor(() => count(oct.db, 'traces') === 2, 2_000, 'the valid spans');
    expect(oct.runtime.health().receiver).toMatchObject({ otlp_spans_rejected: 2, otlp_spans_accepted: 2 });
  });

  it('answers 404 to unknown paths', async () => {
    const oct = await startOct();
    // POST / is the dashboard's 405, pointing at /v1/traces (test/receiver/page).
    for (const path of ['/v1/trace', '/v1/traces/', '/V1/TRACES']) {
      const res = await fetch(`${oct.url}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{}' });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { code: number }).code).toBe(5);
    }
  });

  it('decodes gzip and deflate bodies of both encodings', async () => {
    const oct = await startOct();
    const json = Buffer.from(chatRequest(1));
    expect((await post(oct.url, zlib.gzipSync(json), { ...JSON_TYPE, 'content-encoding': 'gzip' })).status).toBe(200);
    expect(
      (await post(oct.url, zlib.deflateSync(Buffer.from(chatRequest(1, 1))), { ...JSON_TYPE, 'content-encoding': 'deflate' })).status,
    ).toBe(200);
    await waitFor(() => count(oct.db, 'traces') === 2, 2_000, 'two rows');
  });

  it('answers 400 with a Status in the request encoding to a corrupt gzip body', async () => {
    const oct = await startOct();
    const json = await post(oct.url, Buffer.from('not gzip at all'), { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 3, message: matching(/^the request body is not valid gzip data/) });
    const pb = await post(oct.url, Buffer.from('not gzip at all'), { ...PB_TYPE, 'content-encoding': 'gzip' });
    expect(pb.status).toBe(400);
    expect(Status.toObject(Status.decode(pb.body))).toMatchObject({
      code: 3,
      message: matching(/^the request body is not valid gzip data/),
    });
  });

  it('answers 400 with a protobuf Status to garbage protobuf', async () => {
    const oct = await startOct();
    const res = await post(oct.url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PB_TYPE);
    expect(res.status).toBe(400);
    expect((Status.toObject(Status.decode(res.body)) as { message: string }).message).toMatch(/^invalid protobuf: /);
  });

  it('answers 400 with a JSON Status naming the field to a wrong JSON type', async () => {
    const oct = await startOct();
    const wrongType = await post(oct.url, request([span(0, { name: 7 })]));
    expect(wrongType.status).toBe(400);
    expect((JSON.parse(wrongType.body.toString()) as { message: string }).message).toMatch(
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name/,
    );
  });

  it('answers 200 to a body of exactly the limit', async () => {
    const limit = 64 * 1024;
    const oct = await startOct({ maxBodyBytes: limit });
    const body = chatRequest(3);
    const exact = await post(oct.url, body + ' '.repeat(limit - Buffer.byteLength(body)));
    expect(exact.status).toBe(200);
    await waitFor(() => count(oct.db, 'traces') === 3, 2_000, 'the rows of the exact-limit body');
  });

  it('holds a request while the queue is full and answers 200 once room frees up within OCT_ADMISSION_WAIT_MS', async () => {
    const oct = await startOct({ queueCapacity: 10, batchMaxRows: 5, admissionWaitMs: 5_000 });
    const lock = lockDatabase(oct.dbPath);
    expect((await post(oct.url, chatRequest(8))).status).toBe(200);
    const waiting = post(oct.url, chatRequest(3, 100));
    await new Promise((r) => setTimeout(r, 300));
    lock.release();
    expect((await waiting).status).toBe(200);
    await waitFor(() => count(oct.db, 'traces') === 11, 2_000, 'all 11 rows');
    expect(oct.runtime.health().pipeline).toMatchObject({ refused: 0, enqueued: 11 });
  });

  it('keeps a connection alive over 100 sequential requests', async () => {
    const oct = await startOct();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 100; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${oct.url}/v1/traces`, { method: 'POST', agent, headers: JSON_TYPE }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end(chatRequest(1, i));
      });
      expect(status).toBe(200);
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
    await waitFor(() => count(oct.db, 'traces') === 100, 3_000, '100 rows');
  });

  it('answers 50 concurrent clients sending 512-span batches with 200 or 503 only, and stores every acknowledged span', async () => {
    const oct = await startOct();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, c) =>
        post(oct.url, request(Array.from({ length: 512 }, (_, i) => span(i, { traceId: (c + 1).toString(16).padStart(32, '0') })))),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    await waitFor(() => oct.runtime.health().pipeline.pending === 0, 10_000, 'the queue to drain');
    expect(count(oct.db, 'traces')).toBe(accepted * 512);
  });
});

describe('trace_id', () => {
  it('is a unique UUID v4 on each of 10,000 rows', async () => {
    const oct = await startOct();
    for (let r = 0; r < 20;) {
      const spans = Array.from({ length: 500 }, (_, i) => span(i, { traceId: (r + 1).toString(16).padStart(32, '0') }));
      const { status } = await post(oct.url, request(spans));
      expect([200, 503]).toContain(status);
      if (status === 200) r++;
      else await new Promise((resolve) => setTimeout(resolve, 50)); // queue momentarily full: retry, as an SDK would
    }
    await waitFor(() => count(oct.db, 'traces') === 10_000, 10_000, '10,000 rows');
    const ids = (oct.db.prepare('SELECT trace_id FROM traces').all() as { trace_id: string }[]).map((r) => r.trace_id);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(10_000);
  });
});
