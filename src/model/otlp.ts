/**
 * Decoded OTLP traces and logs, independent of the wire encoding. Both decoders (protobuf, JSON)
 * produce these shapes; the GenAI mapping consumes them.
 *
 * Values keep their OTLP meaning without precision loss: 64-bit integers are `number` when they
 * are safe integers and `bigint` otherwise; nanosecond timestamps are always `bigint`.
 */

/** An OTLP AnyValue. `null` is the empty AnyValue (`{}`); a kvlist is a `Map`. */
export type AnyValue = string | boolean | number | bigint | Uint8Array | AnyValue[] | KvList | null;
export type KvList = Map<string, AnyValue>;
/** Attributes in wire order; a repeated key keeps its last value. */
export type Attributes = Map<string, AnyValue>;

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface Span {
  /** Lower-case hex, 32 characters; '' when absent on the wire (rejected later as invalid). */
  traceId: string;
  /** Lower-case hex, 16 characters; '' when absent. */
  spanId: string;
  /** Lower-case hex, 16 characters; '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number (0 unspecified … 5 consumer). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: SpanEvent[];
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
}

export interface Scope {
  name: string;
  version: string;
}

export interface ScopeSpans {
  scope: Scope;
  spans: Span[];
}

export interface ResourceSpans {
  resource: Attributes;
  scopeSpans: ScopeSpans[];
}

export interface TracesRequest {
  resourceSpans: ResourceSpans[];
  /** Non-fatal oddities worth one log line, e.g. profiles-only `*_strindex` fields. */
  warnings: string[];
}

export interface LogRecord {
  /** 0 when unset; then `observedTimeUnixNano` says when the record was seen. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** OTLP SeverityNumber (0 unspecified … 24 fatal4). */
  severityNumber: number;
  severityText: string;
  /** null when absent (or the empty AnyValue). */
  body: AnyValue;
  attributes: Attributes;
  /** Lower-case hex, 32 characters; '' when absent (a log record need not belong to a span). */
  traceId: string;
  /** Lower-case hex, 16 characters; '' when absent. */
  spanId: string;
  /** The `event_name` field (OTLP 1.5+); '' when absent. */
  eventName: string;
}

export interface ScopeLogs {
  scope: Scope;
  logRecords: LogRecord[];
}

export interface ResourceLogs {
  resource: Attributes;
  scopeLogs: ScopeLogs[];
}

export interface LogsRequest {
  resourceLogs: ResourceLogs[];
  /** Non-fatal oddities worth one log line, e.g. profiles-only `*_strindex` fields. */
  warnings: string[];
}

export function countSpans(request: TracesRequest): number {
  let n = 0;
  for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

export function countLogRecords(request: LogsRequest): number {
  let n = 0;
  for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}
