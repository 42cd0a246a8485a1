/** OTLP/JSON and OTLP/protobuf logs requests for the `/v1/logs` tests. */
import protobuf from 'protobufjs';

export const JSON_TYPE = { 'content-type': 'application/json' };
export const PB_TYPE = { 'content-type': 'application/x-protobuf' };

const protoRoot = new URL('../proto/', import.meta.url).pathname;
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync(['google/rpc/status.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto']);
export const Status = root.lookupType('google.rpc.Status');
export const LogsRequest = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
export const LogsResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const spanId = (n: number) => n.toString(16).padStart(16, '0');

/** A plain JS value as an OTLP/JSON AnyValue (objects become kvlists, as the JS SDK sends bodies). */
export function anyValue(value: unknown): unknown {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (value !== null && typeof value === 'object') return { kvlistValue: { values: keyValues(value as Record<string, unknown>) } };
  return {};
}

export const keyValues = (o: Record<string, unknown>) => Object.entries(o).map(([key, value]) => ({ key, value: anyValue(value) }));

export interface RecordSpec {
  event: string;
  body?: unknown;
  attributes?: Record<string, unknown>;
  /** Milliseconds after a fixed epoch; records default to one shared timestamp, as instrumentation-openai emits them. */
  at?: number;
  span?: number;
  traceId?: string;
  spanId?: string;
  /** Name the event with the `event.name` attribute (older SDKs) instead of the `eventName` field. */
  legacyName?: boolean;
}

const T0 = 1_760_000_000_000n * 1_000_000n;

/** One OTLP/JSON log record. */
export function logRecord(spec: RecordSpec) {
  const attributes = { ...(spec.legacyName ? { 'event.name': spec.event } : {}), 'gen_ai.system': 'openai', ...spec.attributes };
  return {
    timeUnixNano: String(T0 + BigInt(spec.at ?? 0) * 1_000_000n),
    observedTimeUnixNano: String(T0 + 5_000_000n),
    severityNumber: 9,
    traceId: spec.traceId ?? TRACE_ID,
    spanId: spec.spanId ?? spanId(spec.span ?? 1),
    ...(spec.legacyName ? {} : { eventName: spec.event }),
    ...(spec.body === undefined ? {} : { body: anyValue(spec.body) }),
    attributes: keyValues(attributes),
  };
}

export function logsRequest(records: unknown[], service = 'weather-bot') {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: keyValues({ 'service.name': service }) },
        scopeLogs: [{ scope: { name: '@opentelemetry/instrumentation-openai', version: '0.21.0' }, logRecords: records }],
      },
    ],
  });
}

/** A GenAI chat span without content (its text comes from log records). */
export function chatSpan(span = 1, overrides: Record<string, unknown> = {}, attributes: Record<string, unknown> = {}) {
  return {
    traceId: TRACE_ID,
    spanId: spanId(span),
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: String(T0),
    endTimeUnixNano: String(T0 + 850_000_000n),
    attributes: keyValues({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 2,
      ...attributes,
    }),
    ...overrides,
  };
}

export function tracesRequest(spans: unknown[], service = 'weather-bot') {
  return JSON.stringify({
    resourceSpans: [
      { resource: { attributes: keyValues({ 'service.name': service }) }, scopeSpans: [{ scope: { name: 'openai' }, spans }] },
    ],
  });
}

export async function post(
  url: string,
  path: '/v1/logs' | '/v1/traces',
  body: string | Uint8Array,
  headers: Record<string, string> = JSON_TYPE,
) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The conversation of the tests: what instrumentation-openai emits for one chat call. */
export const CONVERSATION: RecordSpec[] = [
  { event: 'gen_ai.system.message', body: { content: 'You are terse.' } },
  { event: 'gen_ai.user.message', body: { content: 'Capital of France?' } },
  { event: 'gen_ai.choice', body: { index: 0, finish_reason: 'stop', message: { content: 'Paris.' } }, at: 1 },
];
export const CONVERSATION_INPUT = 'system: You are terse.\n\nuser: Capital of France?';
export const CONVERSATION_OUTPUT = 'assistant: Paris.';
