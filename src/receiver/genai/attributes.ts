/**
 * Typed, lenient lookups over decoded OTLP attributes.
 *
 * Senders disagree on wire types (token counts as int, "27", 27.0; JSON content as a string or
 * as a structured value), so every reader coerces by meaning and never throws.
 */
import type { AnyValue, Attributes } from '../otlp/model.js';

/** Nesting kept when structured values become plain JSON; deeper levels are replaced by a marker. */
const MAX_DEPTH = 32;
const INTEGER_TEXT = /^\+?\d+(\.0*)?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const JSON_START = /^\s*[[{"]/;

export type PlainObject = Record<string, unknown>;

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
    const converted = convert(attrs.get(key));
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
    const object: PlainObject = Object.create(null);
    for (const [key, item] of value) object[key] = toPlain(item, depth + 1);
    return object;
  }
  if (Array.isArray(value)) {
    return depth >= MAX_DEPTH ? '[nested too deep]' : value.map((item) => toPlain(item, depth + 1));
  }
  return value;
}

/**
 * All attributes as a plain object without `omit`. Null-prototype, so a `__proto__` key is
 * stored like any other key.
 */
export function plainObject(attrs: Attributes, omit?: ReadonlySet<string>): PlainObject {
  const object: PlainObject = Object.create(null);
  for (const [key, value] of attrs) {
    if (omit === undefined || !omit.has(key)) object[key] = toPlain(value);
  }
  return object;
}
