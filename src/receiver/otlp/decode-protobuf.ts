import protobuf from 'protobufjs';
import { DecodeError, MAX_VALUE_DEPTH, nestingTooDeep, warnStrindex } from './model.js';
import type { AnyValue, Attributes, ResourceSpans, ScopeSpans, Span, SpanEvent, TracesRequest } from './model.js';
import { ExportTraceServiceRequest } from './proto-root.js';

/**
 * OTLP/protobuf decoder: protobufjs reflection decodes the message, then a walk copies it into the
 * model. The shapes below are what `Type.decode` returns: fields absent on the wire read the
 * prototype default ('' / 0 / null / empty array), 64-bit fields are `Long`s, bytes are Buffer views.
 * The exported readers are shared with the logs decoder (decode-logs-protobuf.ts).
 */

export interface PbLong {
  low: number;
  high: number;
}
export interface PbAnyValue {
  stringValue: string;
  boolValue: boolean;
  intValue: PbLong;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array;
  stringValueStrindex: number;
}
export interface PbKeyValue {
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
interface PbRequest {
  resourceSpans: PbResourceSpans[];
}

// protobufjs refuses messages nested deeper than Reader.recursionLimit (100). One AnyValue level
// can take three messages (AnyValue, KeyValueList, KeyValue), below six levels of envelope, so the
// cap is raised until the AnyValue limit shared with the JSON decoder is the one that applies.
protobuf.Reader.recursionLimit = Math.max(protobuf.Reader.recursionLimit, 3 * MAX_VALUE_DEPTH + 8);

export function decodeTracesProtobuf(body: Uint8Array): TracesRequest {
  // From a Buffer, protobufjs reads strings with Node's decoder, which turns invalid UTF-8 into U+FFFD.
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let request: PbRequest;
  try {
    request = ExportTraceServiceRequest.decode(buffer) as unknown as PbRequest;
  } catch (err) {
    throw new DecodeError(`invalid protobuf: ${(err as Error).message}`);
  }
  const warnings: string[] = [];
  const resourceSpans: ResourceSpans[] = [];
  for (let i = 0; i < request.resourceSpans.length; i++) {
    resourceSpans.push(toResourceSpans(request.resourceSpans[i]!, i, warnings));
  }
  return { resourceSpans, warnings };
}

/** An id of the wrong length; the span (or log record) loop prefixes the item's position. */
export class RecordFieldError extends DecodeError {}

function toResourceSpans(rs: PbResourceSpans, i: number, warnings: string[]): ResourceSpans {
  const scopeSpans: ScopeSpans[] = [];
  for (let j = 0; j < rs.scopeSpans.length; j++) {
    const ss = rs.scopeSpans[j]!;
    const spans: Span[] = [];
    for (let k = 0; k < ss.spans.length; k++) {
      try {
        spans.push(toSpan(ss.spans[k]!, warnings));
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

/** '' when absent (the mapper rejects such spans); any other length than `size` is undecodable. */
export function hexId(id: Uint8Array, size: number, field: string): string {
  if (id.length === size) return (id as Buffer).toString('hex');
  if (id.length === 0) return '';
  throw new RecordFieldError(`${field}: expected ${size} bytes, got ${id.length}`);
}

export function attributes(list: PbKeyValue[], depth: number, warnings: string[]): Attributes {
  const map: Attributes = new Map();
  for (const kv of list) {
    if (kv.keyStrindex !== 0) warnStrindex(warnings);
    map.set(kv.key, kv.value === null ? null : anyValue(kv.value, depth, warnings));
  }
  return map;
}

export function anyValue(v: PbAnyValue, depth: number, warnings: string[]): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw nestingTooDeep();
  // Unset oneof members read their prototype defaults, so presence is an own property.
  if (Object.hasOwn(v, 'stringValue')) return v.stringValue;
  if (Object.hasOwn(v, 'intValue')) return int64(v.intValue);
  if (Object.hasOwn(v, 'boolValue')) return v.boolValue;
  if (Object.hasOwn(v, 'doubleValue')) return v.doubleValue;
  if (v.arrayValue !== null) return v.arrayValue.values.map((item) => anyValue(item, depth + 1, warnings));
  if (v.kvlistValue !== null) return attributes(v.kvlistValue.values, depth + 1, warnings);
  // A copy, so a stored value does not keep the whole request body alive.
  if (Object.hasOwn(v, 'bytesValue')) return new Uint8Array(v.bytesValue);
  if (Object.hasOwn(v, 'stringValueStrindex')) warnStrindex(warnings);
  return null;
}

/** fixed64 → bigint, exactly. */
export function uint64(v: PbLong): bigint {
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

/** int64 → number when safe, else bigint. */
function int64(v: PbLong): number | bigint {
  // high * 2^32 is exact; the sum can only round when its magnitude is beyond 2^53 (then not safe).
  const n = v.high * 4294967296 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : (BigInt(v.high) << 32n) + BigInt(v.low >>> 0);
}
