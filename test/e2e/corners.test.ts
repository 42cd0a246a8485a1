/**
 * Corners real clients hit, through a real oct: system instructions on the span with the messages
 * in a log record, and AnyValues with no field set in both encodings.
 */
import { describe, expect, it } from 'vitest';
import { RpcStatus } from '../../src/receiver/otlp/proto-root.js';
import { count, startOct, waitFor, type RunningOct } from '../helpers.js';
import {
  chatSpan,
  keyValues,
  logRecord,
  logsRequest,
  LogsRequest,
  PB_TYPE,
  post,
  spanId,
  TRACE_ID,
  tracesRequest,
} from '../logs-fixture.js';

const ExportTraceServiceRequest = RpcStatus.root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

async function send(oct: RunningOct, path: '/v1/logs' | '/v1/traces', body: string | Uint8Array, headers?: Record<string, string>) {
  const res = await post(oct.url, path, body, headers);
  expect(res.status, res.body.toString()).toBe(200);
  await waitFor(() => oct.runtime.health().pipeline.pending === 0, 3_000, 'the write');
}

const textsOf = (oct: RunningOct, span: number) =>
  oct.db.prepare('SELECT input_text, output_text FROM traces WHERE otel_trace_id = ? AND otel_span_id = ?').get(TRACE_ID, spanId(span));

describe('system instructions on the span, messages in a gen_ai.client.inference.operation.details record', () => {
  const instructions = JSON.stringify([{ type: 'text', content: 'Be terse.' }]);
  const details = (span: number, withInstructions: boolean) =>
    logsRequest([
      logRecord({
        event: 'gen_ai.client.inference.operation.details',
        span,
        attributes: {
          ...(withInstructions ? { 'gen_ai.system_instructions': instructions } : {}),
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }]),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }] }]),
        },
      }),
    ]);
  const span = (n: number) => tracesRequest([chatSpan(n, {}, { 'gen_ai.system_instructions': instructions })]);
  const expected = { input_text: 'system: Be terse.\n\nuser: Capital of France?', output_text: 'assistant: Paris.' };

  it('the row holds the instructions and the messages, whichever arrives first', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    await send(oct, '/v1/traces', span(1));
    expect(textsOf(oct, 1)).toEqual({ input_text: 'system: Be terse.', output_text: null });
    await send(oct, '/v1/logs', details(1, false));
    // The record repeats the instructions (the span's and the record's are shown once).
    await send(oct, '/v1/logs', details(2, true));
    await send(oct, '/v1/traces', span(2));
    // Both in one request pair, landing in the same batch.
    await Promise.all([post(oct.url, '/v1/logs', details(3, false)), post(oct.url, '/v1/traces', span(3))]);
    await waitFor(() => oct.runtime.health().pipeline.pending === 0 && count(oct.db, 'traces') === 3, 3_000, 'three rows');

    for (const n of [1, 2, 3]) expect(textsOf(oct, n), `span ${n}`).toEqual(expected);
    // Only log records are counted; the spans' own instructions are not content that waited.
    expect(oct.runtime.health().content).toMatchObject({ pending: 0, joined: 3, superseded: 0 });
  });

  it('a span carrying its own messages keeps them; the record is superseded', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hello?' }] }]);
    await send(
      oct,
      '/v1/traces',
      tracesRequest([chatSpan(1, {}, { 'gen_ai.system_instructions': instructions, 'gen_ai.input.messages': messages })]),
    );
    await send(oct, '/v1/logs', details(1, false));
    expect(textsOf(oct, 1)).toEqual({ input_text: 'system: Be terse.\n\nuser: Hello?', output_text: 'assistant: Paris.' });
    expect(oct.runtime.health().content).toMatchObject({ joined: 1, superseded: 1 });
  });
});

describe('an AnyValue with no field set is an empty attribute', () => {
  /** Empty values as attributes, inside an array and a kvlist, on an event and on the resource; and a KeyValue without a value. */
  const emptyValues = [
    { key: 'empty', value: {} },
    { key: 'absent' },
    { key: 'list', value: { arrayValue: { values: [{}, { stringValue: 'x' }] } } },
    { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: {} }] } } },
  ];
  const span = (n: number) => ({
    ...chatSpan(n),
    attributes: [...chatSpan(n).attributes, ...emptyValues],
    events: [{ name: 'exception', timeUnixNano: '1760000000000000000', attributes: [{ key: 'exception.message', value: {} }] }],
  });
  const request = (n: number) => ({
    resourceSpans: [
      {
        resource: { attributes: [...keyValues({ 'service.name': 'svc' }), { key: 'resource.empty', value: {} }] },
        scopeSpans: [{ scope: { name: 'openai' }, spans: [span(n)] }],
      },
    ],
  });
  const record = (n: number) => ({ ...logRecord({ event: 'gen_ai.user.message', span: n }), body: {}, attributes: emptyValues });

  it('is stored as null in JSON and protobuf, on spans, events, resources and log records', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    await send(oct, '/v1/traces', JSON.stringify(request(1)));
    const pbRequest = request(2);
    const pb = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        ...pbRequest,
        resourceSpans: pbRequest.resourceSpans.map((rs) => ({
          ...rs,
          scopeSpans: rs.scopeSpans.map((ss) => ({
            ...ss,
            spans: ss.spans.map((s) => ({ ...s, traceId: Buffer.from(s.traceId, 'hex'), spanId: Buffer.from(s.spanId, 'hex') })),
          })),
        })),
      }),
    ).finish();
    await send(oct, '/v1/traces', pb, PB_TYPE);
    await send(oct, '/v1/logs', logsRequest([record(1)]));
    const pbLogs = JSON.parse(logsRequest([record(2)])) as { resourceLogs: { scopeLogs: { logRecords: Record<string, unknown>[] }[] }[] };
    for (const r of pbLogs.resourceLogs[0].scopeLogs[0].logRecords) {
      r.traceId = Buffer.from(r.traceId as string, 'hex');
      r.spanId = Buffer.from(r.spanId as string, 'hex');
    }
    await send(oct, '/v1/logs', LogsRequest.encode(LogsRequest.fromObject(pbLogs)).finish(), PB_TYPE);

    const rows = oct.db.prepare('SELECT attributes, resource_attributes FROM traces ORDER BY otel_span_id').all() as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(JSON.parse(row.attributes)).toMatchObject({ empty: null, absent: null, list: [null, 'x'], map: { inner: null } });
      expect(JSON.parse(row.resource_attributes)).toEqual({ 'service.name': 'svc', 'resource.empty': null });
    }
    expect(count(oct.db, 'errors')).toBe(2);
    expect(oct.runtime.health().content).toMatchObject({ pending: 0 });
  });
});
