/**
 * The protobufjs reflection decoders oct used before the one-pass Reader decoders, kept as the
 * reference the tests compare those with: `Type.decode`, then a walk into the model. The walk is
 * the former traces and logs protobuf decoders, unchanged.
 */
import protobuf from 'protobufjs';
import { DecodeError, MAX_VALUE_DEPTH, nestingTooDeep, warnStrindex } from '../../../src/receiver/otlp/decode-errors.js';
import type {
  AnyValue,
  Attributes,
  LogRecord,
  LogsRequest,
  ResourceLogs,
  ResourceSpans,
  ScopeLogs,
  ScopeSpans,
  Span,
  SpanEvent,
  TracesRequest,
} from '../../../src/model/otlp.js';
import { RpcStatus } from '../../../src/receiver/otlp/proto-root.js';
import { MAX_MESSAGE_DEPTH } from '../../../src/receiver/otlp/wire.js';

// proto-root.ts loads the trace and logs service schemas into one root.
export const ExportTraceServiceRequest = RpcStatus.root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const ExportLogsServiceRequest = RpcStatus.root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');

interface PbLong {
  low: number;
  high: number;
}
interface PbAnyValue {
  stringValue: string;
  boolValue: boolean;
  intValue: PbLong;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array;
  stringValueStrindex: number;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
  keyStrindex: number;
}
interface PbEvent {
  timeUnixNano: PbLong;
  name: string;
  attributes: PbKeyValue[];
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: PbLong;
  endTimeUnixNano: PbLong;
  attributes: PbKeyValue[];
  events: PbEvent[];
  status: { message: string; code: number } | null;
}
interface PbScopeSpans {
  scope: { name: string; version: string } | null;
  spans: PbSpan[];
}
interface PbResourceSpans {
  resource: { attributes: PbKeyValue[] } | null;
  scopeSpans: PbScopeSpans[];
}
interface PbLogRecord {
  timeUnixNano: PbLong;
  observedTimeUnixNano: PbLong;
  severityNumber: number;
  severityText: string;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}
interface PbScopeLogs {
  scope: { name: string; version: string } | null;
  logRecords: PbLogRecord[];
}
interface PbResourceLogs {
  resource: { attributes: PbKeyValue[] } | null;
  scopeLogs: PbScopeLogs[];
}

class RecordFieldError extends DecodeError {}

function decodeWith<T>(type: protobuf.Type, body: Uint8Array): T {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // The one-pass decoders' depth limit, which protobufjs only has library-wide.
  const defaultLimit = protobuf.Reader.recursionLimit;
  protobuf.Reader.recursionLimit = MAX_MESSAGE_DEPTH;
  try {
    return type.decode(buffer) as unknown as T;
  } catch (err) {
    throw new DecodeError(`invalid protobuf: ${(err as Error).message}`);
  } finally {
    protobuf.Reader.recursionLimit = defaultLimit;
  }
}

export function reflectionDecodeTraces(body: Uint8Array): TracesRequest {
  const request = decodeWith<{ resourceSpans: PbResourceSpans[] }>(ExportTraceServiceRequest, body);
  const warnings: string[] = [];
  const resourceSpans: ResourceSpans[] = [];
  for (let i = 0; i < request.resourceSpans.length; i++) {
    resourceSpans.push(toResourceSpans(request.resourceSpans[i], i, warnings));
  }
  return { resourceSpans, warnings };
}

function toResourceSpans(rs: PbResourceSpans, i: number, warnings: string[]): ResourceSpans {
  const scopeSpans: ScopeSpans[] = [];
  for (let j = 0; j < rs.scopeSpans.length; j++) {
    const ss = rs.scopeSpans[j];
    const spans: Span[] = [];
    for (let k = 0; k < ss.spans.length; k++) {
      try {
        spans.push(toSpan(ss.spans[k], warnings));
      } catch (err) {
        if (err instanceof RecordFieldError) throw new DecodeError(`resourceSpans[${i}].scopeSpans[${j}].spans[${k}].${err.message}`);
        throw err;
      }
    }
    scopeSpans.push({ scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' }, spans });
  }
  return { resource: attributes(rs.resource?.attributes ?? [], 1, warnings), scopeSpans };
}

function toSpan(s: PbSpan, warnings: string[]): Span {
  return {
    traceId: hexId(s.traceId, 16, 'traceId'),
    spanId: hexId(s.spanId, 8, 'spanId'),
    parentSpanId: hexId(s.parentSpanId, 8, 'parentSpanId'),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: uint64(s.startTimeUnixNano),
    endTimeUnixNano: uint64(s.endTimeUnixNano),
    attributes: attributes(s.attributes, 1, warnings),
    events: s.events.map((e) => toEvent(e, warnings)),
    statusCode: s.status?.code ?? 0,
    statusMessage: s.status?.message ?? '',
  };
}

function toEvent(e: PbEvent, warnings: string[]): SpanEvent {
  return { name: e.name, timeUnixNano: uint64(e.timeUnixNano), attributes: attributes(e.attributes, 1, warnings) };
}

export function reflectionDecodeLogs(body: Uint8Array): LogsRequest {
  const request = decodeWith<{ resourceLogs: PbResourceLogs[] }>(ExportLogsServiceRequest, body);
  const warnings: string[] = [];
  const resourceLogs: ResourceLogs[] = [];
  for (let i = 0; i < request.resourceLogs.length; i++) {
    resourceLogs.push(toResourceLogs(request.resourceLogs[i], i, warnings));
  }
  return { resourceLogs, warnings };
}

function toResourceLogs(rl: PbResourceLogs, i: number, warnings: string[]): ResourceLogs {
  const scopeLogs: ScopeLogs[] = [];
  for (let j = 0; j < rl.scopeLogs.length; j++) {
    const sl = rl.scopeLogs[j];
    const logRecords: LogRecord[] = [];
    for (let k = 0; k < sl.logRecords.length; k++) {
      try {
        logRecords.push(toLogRecord(sl.logRecords[k], warnings));
      } catch (err) {
        if (err instanceof RecordFieldError) throw new DecodeError(`resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}].${err.message}`);
        throw err;
      }
    }
    scopeLogs.push({ scope: { name: sl.scope?.name ?? '', version: sl.scope?.version ?? '' }, logRecords });
  }
  return { resource: attributes(rl.resource?.attributes ?? [], 1, warnings), scopeLogs };
}

function toLogRecord(r: PbLogRecord, warnings: string[]): LogRecord {
  return {
    timeUnixNano: uint64(r.timeUnixNano),
    observedTimeUnixNano: uint64(r.observedTimeUnixNano),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body === null ? null : anyValue(r.body, 1, warnings),
    attributes: attributes(r.attributes, 1, warnings),
    traceId: hexId(r.traceId, 16, 'traceId'),
    spanId: hexId(r.spanId, 8, 'spanId'),
    eventName: r.eventName,
  };
}

function hexId(id: Uint8Array, size: number, field: string): string {
  if (id.length === size) return (id as Buffer).toString('hex');
  if (id.length === 0) return '';
  throw new RecordFieldError(`${field}: expected ${size} bytes, got ${id.length}`);
}

function attributes(list: PbKeyValue[], depth: number, warnings: string[]): Attributes {
  const map: Attributes = new Map();
  for (const kv of list) {
    if (kv.keyStrindex !== 0) warnStrindex(warnings);
    map.set(kv.key, kv.value === null ? null : anyValue(kv.value, depth, warnings));
  }
  return map;
}

function anyValue(v: PbAnyValue, depth: number, warnings: string[]): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw nestingTooDeep();
  if (Object.hasOwn(v, 'stringValue')) return v.stringValue;
  if (Object.hasOwn(v, 'intValue')) return int64(v.intValue);
  if (Object.hasOwn(v, 'boolValue')) return v.boolValue;
  if (Object.hasOwn(v, 'doubleValue')) return v.doubleValue;
  if (v.arrayValue !== null) return v.arrayValue.values.map((item) => anyValue(item, depth + 1, warnings));
  if (v.kvlistValue !== null) return attributes(v.kvlistValue.values, depth + 1, warnings);
  if (Object.hasOwn(v, 'bytesValue')) return new Uint8Array(v.bytesValue);
  if (Object.hasOwn(v, 'stringValueStrindex')) warnStrindex(warnings);
  return null;
}

function uint64(v: PbLong): bigint {
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

function int64(v: PbLong): number | bigint {
  const n = v.high * 4294967296 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : (BigInt(v.high) << 32n) + BigInt(v.low >>> 0);
}
