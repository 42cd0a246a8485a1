import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lockDatabase, startOct, type RunningOct } from '../../helpers.js';
import { chatSpan, logRecord, logsRequest, tracesRequest } from '../../logs-fixture.js';
import { matching } from '../matchers.js';

// Every ingest route × every invalid request: status, headers, and the body in the route's
// dialect (OTLP: google.rpc.Status; native: {"error": …}), as the Collector's TestHandleInvalidRequests.

const LIMIT = 64 * 1024;
const CONFIG = { maxBodyBytes: LIMIT, queueCapacity: 10, batchMaxRows: 5, admissionWaitMs: 0 };

interface RouteUnderTest {
  path: string;
  dialect: 'otlp' | 'native';
  /** A valid body of `n` items (each one event), numbered from `first`. */
  valid: (n: number, first: number) => string;
  malformed: string;
  /** One item whose stored value (an attribute, the log body, metadata) nests a thousand levels deep or more, under LIMIT. */
  nested: () => string;
  /** The end of the 405 message. */
  usage: string;
  /** The methods the path serves (native paths are read with GET too). */
  allow: string;
  /** The end of the 415 message. */
  accepted: string;
  /** The 413 message for 11 items. */
  tooMany: string;
  failedCounter: 'otlp_requests_failed' | 'native_requests_failed';
  /** Receiver counters of the route's items (native has no refused counter). */
  acceptedCounter: 'otlp_spans_accepted' | 'otlp_logs_accepted' | 'native_items_accepted';
  refusedCounter?: 'otlp_spans_refused' | 'otlp_logs_refused';
}

const OTLP_TYPES = 'application/x-protobuf or application/json';

/** An OTLP/JSON AnyValue of kvlists `levels` deep. */
const nestedKvlist = (levels: number) =>
  `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(levels)}{"stringValue":"x"}${'}]}}'.repeat(levels)}`;
/** `{"a":{"a":…1…}}`, `levels` objects deep: before the depth limit, 5,000 levels overflowed the stack in mapping (a 500). */
const nestedObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const ROUTES: RouteUnderTest[] = [
  {
    path: '/v1/traces',
    dialect: 'otlp',
    valid: (n, first) => tracesRequest(Array.from({ length: n }, (_, i) => chatSpan(first + i))),
    malformed: '{"resourceSpans": [',
    nested: () => tracesRequest([chatSpan(1)]).replace('"attributes":[', `"attributes":[{"key":"deep","value":${nestedKvlist(1_000)}},`),
    usage: 'OTLP traces are sent with POST',
    allow: 'POST',
    accepted: OTLP_TYPES,
    tooMany: "request maps to 11 events but the queue holds at most 10; lower the exporter's batch size (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)",
    failedCounter: 'otlp_requests_failed',
    acceptedCounter: 'otlp_spans_accepted',
    refusedCounter: 'otlp_spans_refused',
  },
  {
    path: '/v1/logs',
    dialect: 'otlp',
    valid: (n, first) =>
      logsRequest(
        Array.from({ length: n }, (_, i) => logRecord({ event: 'gen_ai.user.message', body: { content: 'q' }, span: first + i })),
      ),
    malformed: '{"resourceLogs": [',
    nested: () => `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"gen_ai.user.message","body":${nestedKvlist(1_000)}}]}]}]}`,
    usage: 'OTLP logs are sent with POST',
    allow: 'POST',
    accepted: OTLP_TYPES,
    tooMany: "request maps to 11 events but the queue holds at most 10; lower the exporter's batch size (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)",
    failedCounter: 'otlp_requests_failed',
    acceptedCounter: 'otlp_logs_accepted',
    refusedCounter: 'otlp_logs_refused',
  },
  {
    path: '/api/v1/traces',
    dialect: 'native',
    valid: (n, first) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ model: `m${first + i}` }))),
    malformed: '{"model": "m",',
    nested: () => `{"model":"m","metadata":${nestedObject(5_000)}}`,
    usage: 'traces are sent with POST; traces are read with GET',
    allow: 'POST, GET, HEAD',
    accepted: 'application/json',
    tooMany: 'the request holds 11 traces (11 rows) but the queue holds at most 10; send smaller arrays',
    failedCounter: 'native_requests_failed',
    acceptedCounter: 'native_items_accepted',
  },
  {
    path: '/api/v1/errors',
    dialect: 'native',
    valid: (n, first) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ message: `e${first + i}` }))),
    malformed: '{"message": "m",',
    nested: () => `{"message":"e","metadata":${nestedObject(5_000)}}`,
    usage: 'errors are sent with POST; errors are read with GET',
    allow: 'POST, GET, HEAD',
    accepted: 'application/json',
    tooMany: 'the request holds 11 errors (11 rows) but the queue holds at most 10; send smaller arrays',
    failedCounter: 'native_requests_failed',
    acceptedCounter: 'native_items_accepted',
  },
];

interface Case {
  name: string;
  status: number;
  /** google.rpc.Code of the OTLP Status. */
  grpc: number;
  headers?: { allow?: string; 'retry-after'?: string };
  message: (route: RouteUnderTest) => string | RegExp;
  send: (oct: RunningOct, route: RouteUnderTest) => Promise<Response>;
  /** Events the request offered to the pipeline (refused ones count as received). */
  offered?: number;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const post = (oct: RunningOct, route: RouteUnderTest, body: string | Buffer, headers: Record<string, string> = JSON_TYPE) =>
  fetch(oct.url + route.path, { method: 'POST', headers, body });
const TOO_LARGE = `request body exceeds the limit of ${LIMIT} bytes (after decompression); OCT_MAX_BODY_BYTES sets it`;

const CASES: Case[] = [
  {
    name: 'a DELETE',
    status: 405,
    grpc: 12,
    headers: { allow: 'ROUTE' },
    message: (route) => `method not allowed; ${route.usage}`,
    send: (oct, route) => fetch(oct.url + route.path, { method: 'DELETE' }),
  },
  {
    name: 'a PUT',
    status: 405,
    grpc: 12,
    headers: { allow: 'ROUTE' },
    message: (route) => `method not allowed; ${route.usage}`,
    send: (oct, route) => fetch(oct.url + route.path, { method: 'PUT', headers: JSON_TYPE, body: route.valid(1, 1) }),
  },
  {
    name: 'text/plain',
    status: 415,
    grpc: 3,
    message: (route) => `unsupported Content-Type 'text/plain'; send ${route.accepted}`,
    send: (oct, route) => post(oct, route, route.valid(1, 1), { 'content-type': 'text/plain' }),
  },
  {
    name: 'no Content-Type',
    status: 415,
    grpc: 3,
    message: (route) => `unsupported Content-Type ''; send ${route.accepted}`,
    send: (oct, route) => post(oct, route, Buffer.from(route.valid(1, 1)), {}),
  },
  {
    name: 'a raw body over the limit',
    status: 413,
    grpc: 8,
    message: () => TOO_LARGE,
    send: (oct, route) => post(oct, route, ' '.repeat(LIMIT + 1)),
  },
  {
    name: 'a gzip bomb (a small body that inflates past the limit)',
    status: 413,
    grpc: 8,
    message: () => TOO_LARGE,
    send: (oct, route) =>
      post(oct, route, zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), { ...JSON_TYPE, 'content-encoding': 'gzip' }),
  },
  ...(['gzip', 'deflate', 'br'] as const).map((encoding): Case => ({
    name: `corrupt ${encoding}`,
    status: 400,
    grpc: 3,
    // In oct's words, not zlib's ("incorrect header check", "Decompression failed").
    message: () => `the request body is not valid ${encoding} data (Content-Encoding: ${encoding})`,
    send: (oct, route) => post(oct, route, 'not compressed at all', { ...JSON_TYPE, 'content-encoding': encoding }),
  })),
  {
    name: 'an unsupported Content-Encoding',
    status: 400,
    grpc: 3,
    message: () => 'unsupported Content-Encoding: snappy (supported: gzip, deflate, br, identity)',
    send: (oct, route) => post(oct, route, route.valid(1, 1), { ...JSON_TYPE, 'content-encoding': 'snappy' }),
  },
  {
    name: 'malformed JSON',
    status: 400,
    grpc: 3,
    message: () => /^invalid JSON: /,
    send: (oct, route) => post(oct, route, route.malformed),
  },
  {
    name: 'JSON nested thousands of levels deep',
    status: 400,
    grpc: 3,
    message: (route) =>
      route.dialect === 'otlp'
        ? 'attribute value nesting deeper than 64 levels'
        : 'JSON nested deeper than 64 levels of arrays and objects; oct accepts at most 64',
    send: (oct, route) => post(oct, route, route.nested()),
  },
  {
    name: 'more events than the queue can ever hold',
    status: 413,
    grpc: 8,
    message: (route) => route.tooMany,
    send: (oct, route) => post(oct, route, route.valid(11, 1)),
    offered: 11,
  },
  {
    name: 'a full queue',
    status: 503,
    grpc: 14,
    headers: { 'retry-after': '1' },
    message: () => 'queue is full; retry later',
    send: async (oct, route) => {
      lockDatabase(oct.dbPath);
      const first = await post(oct, route, route.valid(8, 1));
      expect(first.ok).toBe(true);
      return post(oct, route, route.valid(3, 100));
    },
    offered: 8 + 3,
  },
];

describe.each(ROUTES)('POST $path', (route) => {
  it.each(CASES)('answers $status to $name', async (c) => {
    const oct = await startOct(CONFIG);
    const res = await c.send(oct, route);
    expect(res.status).toBe(c.status);
    expect(res.headers.get('allow')).toBe(c.headers?.allow === 'ROUTE' ? route.allow : (c.headers?.allow ?? null));
    expect(res.headers.get('retry-after')).toBe(c.headers?.['retry-after'] ?? null);
    expect(res.headers.get('content-type')).toBe(route.dialect === 'otlp' ? 'application/json' : 'application/json; charset=utf-8');
    const expected = c.message(route);
    const message = typeof expected === 'string' ? expected : matching(expected);
    const body: unknown = await res.json();
    expect(body).toEqual(route.dialect === 'otlp' ? { code: c.grpc, message } : { error: message });

    const { pipeline, receiver } = oct.runtime.health();
    expect(receiver[route.failedCounter]).toBe(1);
    expect(pipeline.received).toBe(c.offered ?? 0);
    expect(pipeline.enqueued).toBe(c.offered === undefined ? 0 : c.offered - pipeline.refused);
    // One event per item here, so the route's item counters follow the pipeline's.
    expect(receiver[route.acceptedCounter]).toBe(pipeline.enqueued);
    if (route.refusedCounter) expect(receiver[route.refusedCounter]).toBe(pipeline.refused);
  });
});
