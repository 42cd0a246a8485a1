/**
 * Typed, lenient lookups over decoded OTLP attributes.
 *
 * Senders disagree on wire types (token counts as int, "27", 27.0; JSON content as a string or
 * as a structured value), so every reader coerces by meaning and never throws.
 */
import { boundedJson } from '../model/text.js';
import type { AnyValue, Attributes } from '../model/otlp.js';

/** Nesting kept when structured values become plain JSON; deeper levels are replaced by a marker. */
const MAX_DEPTH = 32;
const INTEGER_TEXT = /^\+?\d+(\.0*)?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const JSON_START = /^\s*[[{"]/;

export type PlainObject = Record<string, unknown>;

/** Null-prototype, so a `__proto__` key is stored like any other key. */
export const emptyObject = (): PlainObject => Object.create(null) as PlainObject;

/** Missing, null, '' and [] count as absent. */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

export function isRecord(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Non-negative integer from a number, bigint or decimal string; null for anything else. */
export function toInt(value: unknown): number | null {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && value >= 0 ? value : null;
    case 'bigint':
      return value >= 0n ? Number(value) : null;
    case 'string': {
      const text = value.trim();
      return INTEGER_TEXT.test(text) ? finiteOrNull(Number(text)) : null;
    }
    default:
      return null;
  }
}

/** Finite number from a number, bigint or numeric string; null for NaN, Infinity and the rest. */
export function toFloat(value: unknown): number | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'string': {
      const text = value.trim();
      return NUMBER_TEXT.test(text) ? finiteOrNull(Number(text)) : null;
    }
    default:
      return null;
  }
}

const finiteOrNull = (n: number) => (Number.isFinite(n) ? n : null);

/** Non-empty string; scalars are written as text, structured values give null. */
export function toStr(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return value === '' ? null : value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return null;
  }
}

/** The first of `keys` whose value converts to non-null. */
function firstOf<T>(attrs: Attributes, keys: readonly string[], convert: (v: unknown) => T | null): T | null {
  for (const key of keys) {
    const value = attrs.get(key);
    if (value === undefined) continue; // most keys are absent: no conversion to call
    const converted = convert(value);
    if (converted !== null) return converted;
  }
  return null;
}

export const firstInt = (attrs: Attributes, keys: readonly string[]) => firstOf(attrs, keys, toInt);
export const firstFloat = (attrs: Attributes, keys: readonly string[]) => firstOf(attrs, keys, toFloat);
export const firstStr = (attrs: Attributes, keys: readonly string[]) => firstOf(attrs, keys, toStr);

/** Parses text that looks like JSON; anything else (or JSON that fails to parse) is returned as is. */
export function parseJsonText(text: string): unknown {
  if (!JSON_START.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text; // often cut by the SDK's attribute length limit
  }
}

/** A value that may arrive as a JSON string or as a structured AnyValue, as plain JSON-able data. */
export function structured(value: AnyValue | undefined): unknown {
  return typeof value === 'string' ? parseJsonText(value) : toPlain(value);
}

/** AnyValue → plain data: kvlists become objects, bytes base64 strings; bigint is kept for `boundedJson`. */
export function toPlain(value: AnyValue | undefined, depth = 0): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Map) {
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    const object = emptyObject();
    for (const [key, item] of value) object[key] = toPlain(item, depth + 1);
    return object;
  }
  if (Array.isArray(value)) {
    return depth >= MAX_DEPTH ? '[nested too deep]' : value.map((item) => toPlain(item, depth + 1));
  }
  return value;
}

/**
 * `boundedJson(plainObject(attrs, omit), maxBytes)`, the `attributes` column, built as text
 * directly when every value is a scalar or a list of scalars (almost always): the same JSON
 * without the intermediate object. Other attributes (nested values, bytes, bigints, whose strings
 * `boundedJson` cleans differently, or index-like keys, which objects reorder), and JSON over
 * `maxBytes`, go through `boundedJson`.
 */
export function attributesJson(attrs: Attributes, maxBytes: number, omit?: ReadonlySet<string>): string | null {
  const members: string[] = [];
  for (const [key, value] of attrs) {
    if (omit !== undefined && omit.has(key)) continue;
    const valueJson = scalarJson(value);
    if (valueJson === undefined || mayBeIndex(key)) return boundedJson(plainObject(attrs, omit), maxBytes);
    members.push(memberPrefix(key) + valueJson);
  }
  if (members.length === 0) return null;
  // join() gives one flat string; the row keeps it, so it must not hold the pieces.
  const json = '{' + members.join(',') + '}';
  // Every UTF-16 unit encodes to at most 3 bytes, so short JSON needs no measuring.
  if (json.length * 3 > maxBytes && Buffer.byteLength(json, 'utf8') > maxBytes) {
    return boundedJson(plainObject(attrs, omit), maxBytes);
  }
  return json;
}

/** `"key":` for recent attribute keys (keys repeat in every span); long keys are not kept. */
const memberPrefixes = new Map<string, string>();
const MAX_CACHED_KEY_LENGTH = 128;

function memberPrefix(key: string): string {
  let prefix = memberPrefixes.get(key);
  if (prefix === undefined) {
    prefix = jsonString(key) + ':';
    if (key.length <= MAX_CACHED_KEY_LENGTH) {
      if (memberPrefixes.size >= 1024) memberPrefixes.clear();
      memberPrefixes.set(key, prefix);
    }
  }
  return prefix;
}

/** JSON of a string, number, boolean, null or list of those; undefined for anything else. */
function scalarJson(value: AnyValue): string | undefined {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let json = '[';
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (typeof item === 'object' && item !== null) return undefined;
          const itemJson = scalarJson(item);
          if (itemJson === undefined) return undefined;
          json += (i === 0 ? '' : ',') + itemJson;
        }
        return json + ']';
      }
      return undefined;
    default:
      return undefined;
  }
}

/** `JSON.stringify(text)`, without its cost per call for the short text that needs no escaping. */
function jsonString(text: string): string {
  if (text.length > 64) return JSON.stringify(text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Control characters, '"', '\\' and surrogates (escaped when lone) are left to JSON.stringify.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return '"' + text + '"';
}

/** A key that may be an array index, which a JavaScript object lists before the other keys. */
function mayBeIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57;
}

/** All attributes as a plain object without `omit`. */
export function plainObject(attrs: Attributes, omit?: ReadonlySet<string>): PlainObject {
  const object = emptyObject();
  for (const [key, value] of attrs) {
    if (omit === undefined || !omit.has(key)) object[key] = toPlain(value);
  }
  return object;
}
