import { DecodeError } from './decode-errors.js';
import { fail } from './field-error.js';

/** What the OTLP/JSON readers carry through one decode of a parsed body. */
export interface JsonContext {
  readonly warnings: string[];
  /** The body was parsed without quoting its long literals, so a number beyond 2^53 may be rounded. */
  readonly numbersMayBeRounded: boolean;
}

// JSON.parse rounds integers above 2^53, so long literals of the 64-bit fields are quoted first.
// Inside a JSON string the key's quotes would be escaped (\"), so string contents cannot match.
const LONG_INTEGER =
  /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|observedTimeUnixNano|intValue|start_time_unix_nano|end_time_unix_nano|time_unix_nano|observed_time_unix_nano|int_value)"(\s*):(\s*)(-?\d{16,})(?=\s*[,}\]])/g;

/**
 * Parses `text` and hands the result to `decode`, as if the long integer literals of the 64-bit
 * fields had been quoted first (LONG_INTEGER), so no digit is lost.
 *
 * Quoting costs a regex pass, and exporters write these fields as strings, where it changes
 * nothing. So the text is first parsed as it is; if a 64-bit reader then finds a number beyond
 * 2^53, `decode` runs again on the quoted text. A body that does not parse as it is, or whose first
 * timestamp is a number, is quoted right away.
 */
export function parseKeepingLongIntegers<T>(text: string, decode: (root: unknown, context: JsonContext) => T): T {
  if (!timestampIsNumber(text)) {
    let root: unknown;
    let parsed = true;
    try {
      root = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (parsed) {
      try {
        return decode(root, { warnings: [], numbersMayBeRounded: true });
      } catch (err) {
        if (!(err instanceof RoundedInteger)) throw err;
      }
    }
  }
  let root: unknown;
  try {
    root = JSON.parse(text.replace(LONG_INTEGER, '"$1"$2:$3"$4"'));
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return decode(root, { warnings: [], numbersMayBeRounded: false });
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

/** A 64-bit field held a number that may have been rounded: the body is decoded again, quoted. */
class RoundedInteger extends Error {}

function checkNotRounded(value: number, context: JsonContext): void {
  if (context.numbersMayBeRounded && !(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) throw new RoundedInteger();
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

export function uint64(value: unknown, key: string, context: JsonContext): bigint {
  if (value == null) return 0n;
  if (typeof value === 'number') checkNotRounded(value, context);
  const n = toBigInt(value);
  return n !== undefined && n >= 0n && n <= UINT64_MAX ? n : fail(key, 'expected an unsigned 64-bit integer (number or decimal string)');
}

export function int64(value: unknown, key: string, context: JsonContext): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    checkNotRounded(value, context);
  }
  const n = toBigInt(value);
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) return fail(key, 'expected a 64-bit integer (number or decimal string)');
  return n >= SAFE_MIN && n <= SAFE_MAX ? Number(n) : n;
}
