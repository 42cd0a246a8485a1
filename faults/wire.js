// A small protobuf writer for the fuzz seeds and the parser edges: bodies built field by field, so
// a length prefix or a nesting depth can be anything, valid or not.
import crypto from 'node:crypto';

/** Varint bytes of a non-negative integer (number or bigint, up to 2^64 − 1). */
export function varint(value) {
  let v = BigInt(value);
  const out = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(out);
}

export const bytes = (field, payload) => Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
export const str = (field, text) => bytes(field, Buffer.from(text));
export const num = (field, value) => Buffer.concat([varint(field << 3), varint(value)]);
export const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));
export function fixed64(field, value) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return Buffer.concat([varint((field << 3) | 1), b]);
}
export function double(field, value) {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return Buffer.concat([varint((field << 3) | 1), b]);
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const anyString = (text) => str(1, text);
const kv = (key, value) => Buffer.concat([str(1, key), bytes(2, value)]);

/**
 * An AnyValue holding arrays `depth` levels deep (array_value = 5, ArrayValue.values = 1), written
 * outside-in from sizes computed inside-out, so 20,000 levels cost linear time.
 */
export function deepAnyValue(depth) {
  const sizes = [0]; // sizes[i]: bytes of an AnyValue nested i deep
  const arrays = [0];
  for (let i = 1; i <= depth; i++) {
    const array = 1 + varint(sizes[i - 1]).length + sizes[i - 1];
    arrays.push(array);
    sizes.push(1 + varint(array).length + array);
  }
  const parts = [];
  for (let i = depth; i >= 1; i--) parts.push(Buffer.from([0x2a]), varint(arrays[i]), Buffer.from([0x0a]), varint(sizes[i - 1]));
  return Buffer.concat(parts);
}

const id = (n) => crypto.randomBytes(n);

/** ExportTraceServiceRequest of `n` GenAI chat spans; `extra` is one more attribute value (an AnyValue). */
export function tracesPb(n = 3, extra = null) {
  const t = nowNs();
  const traceId = id(16);
  const spans = Array.from({ length: n }, () =>
    msg(
      2,
      bytes(1, traceId),
      bytes(2, id(8)),
      str(5, 'chat gpt-4o'),
      num(6, 3),
      fixed64(7, t),
      fixed64(8, t + 1_500_000n),
      msg(9, kv('gen_ai.operation.name', anyString('chat'))),
      msg(9, kv('gen_ai.request.model', anyString('gpt-4o'))),
      msg(9, kv('gen_ai.usage.input_tokens', num(3, 12))),
      ...(extra ? [msg(9, kv('deep', extra))] : []),
    ),
  );
  return msg(1, msg(1, msg(1, kv('service.name', anyString('fuzz')))), msg(2, msg(1, str(1, 'fuzz')), ...spans));
}

/** ExportLogsServiceRequest of one GenAI content event. */
export function logsPb(extra = null) {
  const record = msg(
    2,
    fixed64(1, nowNs()),
    num(2, 9),
    bytes(5, anyString('What is the capital of France?')),
    msg(6, kv('gen_ai.system', anyString('openai'))),
    ...(extra ? [msg(6, kv('deep', extra))] : []),
    bytes(9, id(16)),
    bytes(10, id(8)),
    str(12, 'gen_ai.user.message'),
  );
  return msg(1, msg(1, msg(1, kv('service.name', anyString('fuzz')))), msg(2, msg(1, str(1, 'fuzz')), record));
}

/** ExportMetricsServiceRequest of one gauge point. */
export function metricsPb() {
  const point = msg(1, fixed64(3, nowNs()), double(4, 0.5));
  return msg(1, msg(1, msg(1, kv('service.name', anyString('fuzz')))), msg(2, msg(1, str(1, 'fuzz')), msg(2, str(1, 'g'), msg(5, point))));
}

const hex = (n) => id(n).toString('hex');
const jsonAttr = (key, value) => ({ key, value });

export function tracesJson(n = 3) {
  const t = nowNs();
  const traceId = hex(16);
  const spans = Array.from({ length: n }, () => ({
    traceId,
    spanId: hex(8),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(t),
    endTimeUnixNano: String(t + 1_500_000n),
    attributes: [
      jsonAttr('gen_ai.operation.name', { stringValue: 'chat' }),
      jsonAttr('gen_ai.request.model', { stringValue: 'gpt-4o' }),
      jsonAttr('gen_ai.usage.input_tokens', { intValue: '12' }),
    ],
  }));
  return {
    resourceSpans: [
      { resource: { attributes: [jsonAttr('service.name', { stringValue: 'fuzz' })] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans }] },
    ],
  };
}

export function logsJson() {
  return {
    resourceLogs: [
      {
        resource: { attributes: [jsonAttr('service.name', { stringValue: 'fuzz' })] },
        scopeLogs: [
          {
            scope: { name: 'fuzz' },
            logRecords: [
              {
                timeUnixNano: String(nowNs()),
                severityNumber: 9,
                eventName: 'gen_ai.user.message',
                body: { stringValue: 'What is the capital of France?' },
                attributes: [jsonAttr('gen_ai.system', { stringValue: 'openai' })],
                traceId: hex(16),
                spanId: hex(8),
              },
            ],
          },
        ],
      },
    ],
  };
}

export function metricsJson() {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [] },
        scopeMetrics: [
          { scope: { name: 'fuzz' }, metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(nowNs()), asDouble: 0.5 }] } }] },
        ],
      },
    ],
  };
}

export const nativeTrace = () => ({
  model: 'gpt-4o',
  provider: 'openai',
  input: [{ role: 'user', content: 'What is the capital of France?' }],
  output: 'Paris.',
  input_tokens: 10,
  output_tokens: 2,
  duration_ms: 800,
  otel_trace_id: hex(16),
  otel_span_id: hex(8),
  metadata: { tenant: 'fuzz', tags: ['a', 'b'] },
});

export const nativeError = () => ({
  message: 'Rate limit reached',
  error_type: 'RateLimitError',
  stacktrace: 'Error: Rate limit reached\n    at call (app.js:1:1)',
  service_name: 'fuzz',
  occurred_at: new Date().toISOString(),
  metadata: { attempt: 3 },
});
