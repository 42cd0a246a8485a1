import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { count, startOct, waitFor } from '../../helpers.js';
import { CONVERSATION, JSON_TYPE, LogsRequest, LogsResponse, PB_TYPE, Status, logRecord, logsRequest, post } from '../../logs-fixture.js';
import { matching } from '../matchers.js';

/** `n` GenAI content records, one per span. */
const userMessages = (n: number, first = 1) =>
  logsRequest(
    Array.from({ length: n }, (_, i) => logRecord({ event: 'gen_ai.user.message', body: { content: `q${i}` }, span: first + i })),
  );

const json = (body: Buffer) => JSON.parse(body.toString()) as Record<string, unknown>;

// The transport contract of POST /v1/traces (otlp-http.test.ts), for POST /v1/logs.
describe('POST /v1/logs status codes', () => {
  it.each([
    { name: 'JSON request', body: () => userMessages(2), headers: JSON_TYPE, status: 200, answer: {} },
    { name: 'empty JSON request', body: () => '{"resourceLogs":[]}', headers: JSON_TYPE, status: 200, answer: {} },
    {
      name: 'content type with parameters',
      body: () => userMessages(1),
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      status: 200,
      answer: {},
    },
    {
      name: 'wrong JSON type',
      body: () => logsRequest([{ ...logRecord({ event: 'gen_ai.user.message' }), eventName: 7 }]),
      headers: JSON_TYPE,
      status: 400,
      answer: { code: 3, message: 'resourceLogs[0].scopeLogs[0].logRecords[0].eventName: expected a string' },
    },
    {
      name: 'base64 span id',
      body: () => logsRequest([{ ...logRecord({ event: 'gen_ai.user.message' }), spanId: 'AAAAAAAAAAE=' }]),
      headers: JSON_TYPE,
      status: 400,
      answer: { code: 3, message: matching(/logRecords\[0\]\.spanId: expected 16 hex digits/) },
    },
  ])('answers $status to a $name', async ({ body, headers, status, answer }) => {
    const oct = await startOct();
    const res = await post(oct.url, '/v1/logs', body(), headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json(res.body)).toEqual(status === 200 ? answer : expect.objectContaining(answer));
    if (status !== 200) expect(oct.runtime.health().pipeline.received).toBe(0);
  });

  it('answers 200 with an empty protobuf ExportLogsServiceResponse, and accepts gzip', async () => {
    const oct = await startOct();
    const body = LogsRequest.encode(LogsRequest.fromObject({ resourceLogs: [] })).finish();
    const res = await post(oct.url, '/v1/logs', body, PB_TYPE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.body.length).toBe(0);
    const gz = await post(oct.url, '/v1/logs', zlib.gzipSync(userMessages(3)), { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    await waitFor(() => oct.runtime.health().content.pending === 3, 2_000, 'three held records');
  });

  it('answers 400 with a protobuf Status to garbage protobuf and to a 3-byte span id', async () => {
    const oct = await startOct();
    const garbage = await post(oct.url, '/v1/logs', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PB_TYPE);
    expect(garbage.status).toBe(400);
    expect((Status.toObject(Status.decode(garbage.body)) as { message: string }).message).toMatch(/^invalid protobuf: /);
    const shortId = LogsRequest.encode(
      LogsRequest.fromObject({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'gen_ai.user.message', spanId: Buffer.from([1, 2, 3]) }] }] }],
      }),
    ).finish();
    const res = await post(oct.url, '/v1/logs', shortId, PB_TYPE);
    expect(res.status).toBe(400);
    expect(Status.toObject(Status.decode(res.body))).toMatchObject({
      code: 3,
      message: 'resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 8 bytes, got 3',
    });
  });

  it('rejects GenAI records without valid ids through partial_success, ignores other records, stores the rest', async () => {
    const oct = await startOct();
    const records = [
      logRecord({ event: 'gen_ai.user.message', body: { content: 'kept' }, span: 1 }),
      logRecord({ event: 'gen_ai.user.message', body: { content: 'zero span' }, spanId: '0'.repeat(16) }),
      logRecord({ event: 'gen_ai.choice', body: { message: { content: 'no ids' } }, traceId: '', spanId: '' }),
      // An application log line without trace context, and one GenAI event sent with content capture off.
      { timeUnixNano: '1', severityText: 'INFO', body: { stringValue: 'GET /health 200' } },
      logRecord({ event: 'gen_ai.user.message', body: {}, span: 2 }),
    ];
    const res = await post(oct.url, '/v1/logs', logsRequest(records));
    expect(res.status).toBe(200);
    expect(json(res.body)).toEqual({
      partialSuccess: {
        rejectedLogRecords: '2',
        errorMessage: matching(
          /^2 log records rejected: GenAI content without a valid trace_id and span_id .* first at resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]$/,
        ),
      },
    });
    await waitFor(() => oct.runtime.health().content.pending === 1, 2_000, 'the valid record');
    expect(oct.runtime.health().receiver).toMatchObject({
      otlp_logs_received: 5,
      otlp_logs_accepted: 3,
      otlp_logs_rejected: 2,
      otlp_logs_ignored: 2,
      otlp_logs_refused: 0,
    });

    const pb = LogsRequest.encode(
      LogsRequest.fromObject({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'gen_ai.user.message', body: { stringValue: 'hi' } }] }] }],
      }),
    ).finish();
    const proto = await post(oct.url, '/v1/logs', pb, PB_TYPE);
    expect(LogsResponse.toObject(LogsResponse.decode(proto.body), { longs: String })).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: matching(/^1 log record rejected/) },
    });
  });

  it('answers 404 to near paths', async () => {
    const oct = await startOct();
    for (const path of ['/v1/logs/', '/v1/log', '/V1/LOGS']) {
      const res = await fetch(`${oct.url}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{}' });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({
        code: 5,
        message: matching(/^no route for POST .*; oct serves POST \/v1\/traces, /),
      });
    }
  });

  it('stores a retried export once', async () => {
    const oct = await startOct();
    const body = logsRequest(CONVERSATION.map(logRecord));
    expect((await post(oct.url, '/v1/logs', body)).status).toBe(200);
    expect((await post(oct.url, '/v1/logs', body)).status).toBe(200);
    await waitFor(() => oct.runtime.health().pipeline.pending === 0 && oct.runtime.health().pipeline.persisted === 3, 3_000, 'both copies');
    expect(oct.runtime.health().pipeline.duplicates).toBe(3);
    expect(oct.runtime.health().content.pending).toBe(3);
    expect(count(oct.db, 'traces')).toBe(0);
  });
});
