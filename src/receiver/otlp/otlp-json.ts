import { isAscii, isUtf8 } from 'node:buffer';
import type { AnyValue, Attributes, Scope } from '../../model/otlp.js';
import { DecodeError, MAX_VALUE_DEPTH, nestingTooDeep, warnStrindex } from './decode-errors.js';
import { fail, FieldError, within } from './field-error.js';
import { int64, type JsonContext, parseKeepingLongIntegers } from './long-integers.js';

/**
 * The OTLP/JSON readers traces and logs share. Lenient where the Collector is (snake_case keys,
 * enum names, 64-bit integers as numbers or strings, unknown keys ignored), strict about types: a
 * wrong JSON type is a DecodeError naming the field, e.g. `resourceSpans[0].scopeSpans[0].spans[2].name: expected a string`.
 * A missing field reads as its proto3 default; null counts as missing (proto3 JSON), hence `== null`.
 */

export type Json = Record<string, unknown>;

/**
 * Parses an Export…ServiceRequest (`messageName`) and hands its top-level object to `decode`; a
 * FieldError becomes a DecodeError that names the field.
 */
export function decodeRequestJson<T>(body: Uint8Array, messageName: string, decode: (request: Json, context: JsonContext) => T): T {
  return parseKeepingLongIntegers(bodyText(body), (root, context) => {
    if (root === null || typeof root !== 'object' || Array.isArray(root)) {
      throw new DecodeError(`expected a JSON object (${messageName}) at the top level`);
    }
    try {
      return decode(root as Json, context);
    } catch (err) {
      if (err instanceof FieldError) throw new DecodeError(`${err.path}: ${err.reason}`);
      throw err;
    }
  });
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

/** The `resource` of a ResourceSpans / ResourceLogs object: its attributes. */
export function resourceOf(o: Json, context: JsonContext): Attributes {
  return attributes(objectAt(o.resource, 'resource')?.attributes, 'resource.attributes', 1, context);
}

/** The `scope` of a ScopeSpans / ScopeLogs object. */
export function scopeOf(o: Json): Scope {
  const scope = objectAt(o.scope, 'scope');
  return { name: str(scope?.name, 'scope.name'), version: str(scope?.version, 'scope.version') };
}

/** A KeyValue list (span attributes or a kvlist) whose values sit at nesting level `depth`. */
export function attributes(value: unknown, key: string, depth: number, context: JsonContext): Attributes {
  const items = arrayAt(value, key);
  const map: Attributes = new Map();
  for (let i = 0; i < items.length; i++) {
    try {
      addKeyValue(map, items[i], depth, context);
    } catch (err) {
      throw within(err, `${key}[${i}]`);
    }
  }
  return map;
}

function addKeyValue(map: Attributes, value: unknown, depth: number, context: JsonContext): void {
  const kv = asObject(value);
  if ((kv.keyStrindex ?? kv.key_strindex ?? 0) !== 0) warnStrindex(context.warnings);
  const key = str(kv.key, 'key');
  try {
    map.set(key, anyValue(kv.value, depth, context));
  } catch (err) {
    throw within(err, 'value');
  }
}

export function anyValue(value: unknown, depth: number, context: JsonContext): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw nestingTooDeep();
  if (value == null) return null;
  const o = asObject(value);
  const s = o.stringValue ?? o.string_value;
  if (s != null) return str(s, 'stringValue');
  const i = o.intValue ?? o.int_value;
  if (i != null) return int64(i, 'intValue', context);
  const b = o.boolValue ?? o.bool_value;
  if (b != null) return bool(b, 'boolValue');
  const d = o.doubleValue ?? o.double_value;
  if (d != null) return double(d, 'doubleValue');
  const array = o.arrayValue ?? o.array_value;
  if (array != null) return arrayValue(array, depth, context);
  const kvlist = o.kvlistValue ?? o.kvlist_value;
  if (kvlist != null) return attributes(objectAt(kvlist, 'kvlistValue')?.values, 'kvlistValue.values', depth + 1, context);
  const bytes = o.bytesValue ?? o.bytes_value;
  if (bytes != null) return base64(bytes, 'bytesValue');
  if ((o.stringValueStrindex ?? o.string_value_strindex) != null) warnStrindex(context.warnings);
  return null;
}

function arrayValue(value: unknown, depth: number, context: JsonContext): AnyValue[] {
  const items = arrayAt(objectAt(value, 'arrayValue')?.values, 'arrayValue.values');
  const out: AnyValue[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(anyValue(items[i], depth + 1, context));
    } catch (err) {
      throw within(err, `arrayValue.values[${i}]`);
    }
  }
  return out;
}

export function list<T>(value: unknown, key: string, decode: (item: unknown, context: JsonContext) => T, context: JsonContext): T[] {
  const items = arrayAt(value, key);
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      out.push(decode(items[i], context));
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

/** OTLP/JSON says integers only; names are accepted too, as the Collector does. */
export function enumValue(value: unknown, key: string, names: ReadonlyMap<string, number>): number {
  if (value == null) return 0;
  if (typeof value === 'number' && (value | 0) === value) return value;
  if (typeof value !== 'string') return fail(key, 'expected an enum number or name');
  return names.get(value) ?? fail(key, `unknown enum name ${JSON.stringify(value)}`);
}
