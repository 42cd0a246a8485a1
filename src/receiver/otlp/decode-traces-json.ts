import { isAscii, isUtf8 } from 'node:buffer';
import { DecodeError, MAX_VALUE_DEPTH, nestingTooDeep, warnStrindex } from './decode-errors.js';
import type { AnyValue, Attributes, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, TracesRequest } from '../../model/otlp.js';

/**
 * OTLP/JSON decoder. Lenient where the Collector is (snake_case keys, enum names, 64-bit integers
 * as numbers or strings, unknown keys ignored), strict about types: a wrong JSON type is a
 * DecodeError whose message names the field, e.g. `resourceSpans[0].scopeSpans[0].spans[2].name: expected a string`.
 * A missing field reads as its proto3 default; null counts as missing (proto3 JSON), hence `== null`.
 * The exported readers are shared with the logs decoder (decode-logs-json.ts).
 */

export type Json = Record<string, unknown>;
export type Warnings = string[];

// JSON.parse rounds integers above 2^53, so long literals of the 64-bit fields are quoted first.
// Inside a JSON string the key's quotes would be escaped (\"), so string contents cannot match.
const LONG_INTEGER =
  /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|observedTimeUnixNano|intValue|start_time_unix_nano|end_time_unix_nano|time_unix_nano|observed_time_unix_nano|int_value)"(\s*):(\s*)(-?\d{16,})(?=\s*[,}\]])/g;

export function decodeTracesJson(body: Uint8Array): TracesRequest {
  if (body.length === 0) return { resourceSpans: [], warnings: [] };
  return decodeRequestJson(body, 'ExportTraceServiceRequest', (request, warnings) => ({
    resourceSpans: list(request.resourceSpans ?? request.resource_spans, 'resourceSpans', toResourceSpans, warnings),
    warnings,
  }));
}

/**
 * Parses an Export…ServiceRequest (`messageName`) and hands its top-level object to `decode`; a
 * FieldError becomes a DecodeError that names the field.
 */
export function decodeRequestJson<T>(body: Uint8Array, messageName: string, decode: (request: Json, warnings: Warnings) => T): T {
  return parseAndDecode(body, (root) => {
    if (root === null || typeof root !== 'object' || Array.isArray(root)) {
      throw new DecodeError(`expected a JSON object (${messageName}) at the top level`);
    }
    try {
      return decode(root as Json, []);
    } catch (err) {
      if (err instanceof FieldError) throw new DecodeError(`${err.path}: ${err.reason}`);
      throw err;
    }
  });
}

/**
 * Parses the body and hands the result to `decode`, as if the long integer literals of the 64-bit
 * fields had been quoted first (LONG_INTEGER), so no digit is lost.
 *
 * Quoting costs a regex pass over the whole text, and exporters write these fields as strings (the
 * OTLP/JSON encoding), where it changes nothing. So the text is first parsed as it is, which gives
 * the same result unless a literal was rounded: the integer readers then find a number beyond
 * 2^53 and `decode` is run again on the quoted text. A body that does not parse as it is, or
 * whose first timestamp is a number, is quoted right away.
 */
function parseAndDecode<T>(body: Uint8Array, decode: (root: unknown) => T): T {
  const text = bodyText(body);
  if (!timestampIsNumber(text)) {
    let root: unknown;
    let parsed = true;
    try {
      root = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (parsed) {
      numbersMayBeRounded = true;
      try {
        return decode(root);
      } catch (err) {
        if (!(err instanceof RoundedInteger)) throw err;
      } finally {
        numbersMayBeRounded = false;
      }
    }
  }
  let root: unknown;
  try {
    root = JSON.parse(text.replace(LONG_INTEGER, '"$1"$2:$3"$4"'));
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return decode(root);
}

/** The body as text; every UTF-8 error is rejected, and a leading byte order mark is dropped. */
function bodyText(body: Uint8Array): string {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // ASCII reads the same in every encoding, and latin1 is the cheapest decoder.
  if (isAscii(buffer)) return buffer.toString('latin1');
  if (!isUtf8(buffer)) throw new DecodeError('request body is not valid UTF-8');
  const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}

/** Whether the first timestamp value in the text is written as a number (a sign of more to come). */
function timestampIsNumber(text: string): boolean {
  let i = text.indexOf('UnixNano"');
  if (i === -1) i = text.indexOf('unix_nano"');
  if (i === -1) return false;
  i = text.indexOf('"', i) + 1;
  while (i < text.length && (text[i] === ':' || text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  const c = text.charCodeAt(i);
  return c === 45 || (c >= 48 && c <= 57); // '-' or a digit
}

/** Set while `decode` reads a result parsed without quoting: a 64-bit integer may have been rounded there. */
let numbersMayBeRounded = false;

/** A 64-bit field held a number that may have been rounded: `parseAndDecode` starts again, quoting. */
class RoundedInteger extends Error {}

function checkNotRounded(value: number): void {
  if (numbersMayBeRounded && !(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) throw new RoundedInteger();
}

/**
 * A field error on its way up: every enclosing list item or object prepends its name to `path`,
 * so the success path never builds a path string.
 */
export class FieldError extends Error {
  constructor(
    public path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function within(err: unknown, segment: string): unknown {
  if (err instanceof FieldError) err.path = err.path ? `${segment}.${err.path}` : segment;
  return err;
}

/** The `resource` of a ResourceSpans / ResourceLogs object: its attributes. */
export function resourceOf(o: Json, warnings: Warnings): Attributes {
  return attributes(objectAt(o.resource, 'resource')?.attributes, 'resource.attributes', 1, warnings);
}

/** The `scope` of a ScopeSpans / ScopeLogs object. */
export function scopeOf(o: Json): Scope {
  const scope = objectAt(o.scope, 'scope');
  return { name: str(scope?.name, 'scope.name'), version: str(scope?.version, 'scope.version') };
}

function toResourceSpans(value: unknown, warnings: Warnings): ResourceSpans {
  const o = asObject(value);
  return { resource: resourceOf(o, warnings), scopeSpans: list(o.scopeSpans ?? o.scope_spans, 'scopeSpans', toScopeSpans, warnings) };
}

function toScopeSpans(value: unknown, warnings: Warnings): ScopeSpans {
  const o = asObject(value);
  return { scope: scopeOf(o), spans: list(o.spans, 'spans', toSpan, warnings) };
}

function toSpan(value: unknown, warnings: Warnings): Span {
  const o = asObject(value);
  const status = objectAt(o.status, 'status');
  return {
    traceId: hexId(o.traceId ?? o.trace_id, 'traceId', 32),
    spanId: hexId(o.spanId ?? o.span_id, 'spanId', 16),
    parentSpanId: hexId(o.parentSpanId ?? o.parent_span_id, 'parentSpanId', 16),
    name: str(o.name, 'name'),
    kind: enumValue(o.kind, 'kind', SPAN_KINDS),
    startTimeUnixNano: uint64(o.startTimeUnixNano ?? o.start_time_unix_nano, 'startTimeUnixNano'),
    endTimeUnixNano: uint64(o.endTimeUnixNano ?? o.end_time_unix_nano, 'endTimeUnixNano'),
    attributes: attributes(o.attributes, 'attributes', 1, warnings),
    events: list(o.events, 'events', toEvent, warnings),
    statusCode: enumValue(status?.code, 'status.code', STATUS_CODES),
    statusMessage: str(status?.message, 'status.message'),
  };
}

function toEvent(value: unknown, warnings: Warnings): SpanEvent {
  const o = asObject(value);
  return {
    name: str(o.name, 'name'),
    timeUnixNano: uint64(o.timeUnixNano ?? o.time_unix_nano, 'timeUnixNano'),
    attributes: attributes(o.attributes, 'attributes', 1, warnings),
  };
}

/** A KeyValue list (span attributes or a kvlist) whose values sit at nesting level `depth`. */
export function attributes(value: unknown, key: string, depth: number, warnings: Warnings): Attributes {
  const items = arrayAt(value, key);
  const map: Attributes = new Map();
  for (let i = 0; i < items.length; i++) {
    try {
      addKeyValue(map, items[i], depth, warnings);
    } catch (err) {
      throw within(err, `${key}[${i}]`);
    }
  }
  return map;
}

function addKeyValue(map: Attributes, value: unknown, depth: number, warnings: Warnings): void {
  const kv = asObject(value);
  if ((kv.keyStrindex ?? kv.key_strindex ?? 0) !== 0) warnStrindex(warnings);
  const key = str(kv.key, 'key');
  try {
    map.set(key, anyValue(kv.value, depth, warnings));
  } catch (err) {
    throw within(err, 'value');
  }
}

export function anyValue(value: unknown, depth: number, warnings: Warnings): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw nestingTooDeep();
  if (value == null) return null;
  const o = asObject(value);
  const s = o.stringValue ?? o.string_value;
  if (s != null) return str(s, 'stringValue');
  const i = o.intValue ?? o.int_value;
  if (i != null) return int64(i, 'intValue');
  const b = o.boolValue ?? o.bool_value;
  if (b != null) return bool(b, 'boolValue');
  const d = o.doubleValue ?? o.double_value;
  if (d != null) return double(d, 'doubleValue');
  const array = o.arrayValue ?? o.array_value;
  if (array != null) return arrayValue(array, depth, warnings);
  const kvlist = o.kvlistValue ?? o.kvlist_value;
  if (kvlist != null) return attributes(objectAt(kvlist, 'kvlistValue')?.values, 'kvlistValue.values', depth + 1, warnings);
  const bytes = o.bytesValue ?? o.bytes_value;
  if (bytes != null) return base64(bytes, 'bytesValue');
  if ((o.stringValueStrindex ?? o.string_value_strindex) != null) warnStrindex(warnings);
  return null;
}

function arrayValue(value: unknown, depth: number, warnings: Warnings): AnyValue[] {
  const items = arrayAt(objectAt(value, 'arrayValue')?.values, 'arrayValue.values');
  const out: AnyValue[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(anyValue(items[i], depth + 1, warnings));
    } catch (err) {
      throw within(err, `arrayValue.values[${i}]`);
    }
  }
  return out;
}

export function list<T>(value: unknown, key: string, decode: (item: unknown, warnings: Warnings) => T, warnings: Warnings): T[] {
  const items = arrayAt(value, key);
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(decode(items[i], warnings));
    } catch (err) {
      throw within(err, `${key}[${i}]`);
    }
  }
  return out;
}

// Field readers.

const NO_ITEMS: readonly unknown[] = [];

function arrayAt(value: unknown, key: string): readonly unknown[] {
  if (value == null) return NO_ITEMS;
  if (!Array.isArray(value)) throw new FieldError(key, 'expected an array');
  return value;
}

export function objectAt(value: unknown, key: string): Json | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new FieldError(key, 'expected an object');
  return value as Json;
}

/** A list item: it must be an object (the error's path is the item's own). */
export function asObject(value: unknown): Json {
  return objectAt(value, '') ?? fail('', 'expected an object');
}

function fail(key: string, reason: string): never {
  throw new FieldError(key, reason);
}

export function str(value: unknown, key: string): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : fail(key, 'expected a string');
}

function bool(value: unknown, key: string): boolean {
  return typeof value === 'boolean' ? value : fail(key, 'expected a boolean');
}

function double(value: unknown, key: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return fail(key, 'expected a number, "NaN", "Infinity" or "-Infinity"');
}

const HEX = /^[0-9a-f]*$/i;

/** Hex ids (OTLP/JSON deviates from proto3 JSON here, which would use base64); '' means absent. */
export function hexId(value: unknown, key: string, digits: number): string {
  if (value == null || value === '') return '';
  if (typeof value !== 'string') return fail(key, 'expected a hex string');
  if (value.length !== digits) return fail(key, `expected ${digits} hex digits, got ${value.length} characters`);
  if (!HEX.test(value)) return fail(key, `expected ${digits} hex digits, got a non-hex character`);
  return value.toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64(value: unknown, key: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) return fail(key, 'expected a base64 string');
  // A plain copy: Buffer.from may hand out a slice of Node's shared pool.
  return new Uint8Array(Buffer.from(value, 'base64'));
}

const INTEGER = /^-?\d+$/;
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** A JSON number or decimal string holding an integer, exactly; undefined for anything else. */
function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  return undefined;
}

export function uint64(value: unknown, key: string): bigint {
  if (value == null) return 0n;
  if (typeof value === 'number') checkNotRounded(value);
  const n = toBigInt(value);
  return n !== undefined && n >= 0n && n <= UINT64_MAX ? n : fail(key, 'expected an unsigned 64-bit integer (number or decimal string)');
}

function int64(value: unknown, key: string): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    checkNotRounded(value);
  }
  const n = toBigInt(value);
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) return fail(key, 'expected a 64-bit integer (number or decimal string)');
  return n >= SAFE_MIN && n <= SAFE_MAX ? Number(n) : n;
}

const SPAN_KINDS = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_CODES = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

/** OTLP/JSON says integers only; names are accepted too, as the Collector does. */
export function enumValue(value: unknown, key: string, names: ReadonlyMap<string, number>): number {
  if (value == null) return 0;
  if (typeof value === 'number' && (value | 0) === value) return value;
  if (typeof value !== 'string') return fail(key, 'expected an enum number or name');
  return names.get(value) ?? fail(key, `unknown enum name ${JSON.stringify(value)}`);
}
