/**
 * Byte-bounded text and JSON for stored rows.
 *
 * Text is cut on a UTF-8 character boundary, so a stored value is always valid UTF-8 and never
 * ends in half a character (no U+FFFD, no lone surrogate).
 */

/** Largest prefix of `text` whose UTF-8 encoding fits in `maxBytes`. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  // Every UTF-16 unit encodes to at most 3 bytes, so short strings need no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}

export interface BoundedText {
  text: string | null;
  /** UTF-8 size of the original text. */
  bytes: number | null;
}

/**
 * Normalises text for storage and cuts it to `maxBytes`: lone surrogates become U+FFFD
 * (SQLite stores UTF-8) and NUL becomes U+FFFD (many SQLite tools stop reading at NUL).
 */
export function boundedText(text: string | null | undefined, maxBytes: number): BoundedText {
  if (text == null) return { text: null, bytes: null };
  const clean = cleanText(text);
  return { text: truncateUtf8(clean, maxBytes), bytes: Buffer.byteLength(clean, 'utf8') };
}

/** `boundedText` when only the cut text is wanted (messages, stack traces). */
export function cutText(text: string | null | undefined, maxBytes: number): string | null {
  return text == null ? null : truncateUtf8(cleanText(text), maxBytes);
}

/**
 * The bound of every short field (model, provider, service_name, span_name, ids, names, error_type,
 * status_message, …): fixed, so OCT_MAX_TEXT_BYTES cuts only the long texts.
 */
export const SHORT_FIELD_BYTES = 1024;

export function shortText(text: string | null | undefined): string | null {
  return cutText(text, SHORT_FIELD_BYTES);
}

function cleanText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
}

/**
 * JSON text of `value`, at most `maxBytes` UTF-8 bytes, always valid JSON.
 *
 * Rule: long strings inside are cut to a quarter of the budget (marked with a trailing `…`);
 * if the object is still too big, whole top-level keys are dropped from the end and
 * `"oct.truncated": true` is added. BigInts are written as exact integer literals; bytes must
 * already be strings (the OTLP mapping writes them as base64).
 */
export function boundedJson(value: Record<string, unknown> | null, maxBytes: number): string | null {
  if (value == null || Object.keys(value).length === 0) return null;
  const full = toJson(value, Infinity);
  if (Buffer.byteLength(full, 'utf8') <= maxBytes) return full;
  const stringBudget = Math.max(16, Math.floor(maxBytes / 4));
  const keys = Object.keys(value);
  const withFirst = (n: number): string | undefined => {
    // No prototype, so a key named "__proto__" is copied as data, not as the prototype.
    const part = Object.create(null) as Record<string, unknown>;
    for (const k of keys.slice(0, n)) part[k] = value[k];
    part['oct.truncated'] = true;
    const json = toJson(part, stringBudget);
    return Buffer.byteLength(json, 'utf8') <= maxBytes ? json : undefined;
  };
  // Binary search for the most leading keys that fit.
  let best: string | undefined;
  for (let lo = 0, hi = keys.length; lo <= hi;) {
    const mid = (lo + hi) >>> 1;
    const json = withFirst(mid);
    if (json === undefined) hi = mid - 1;
    else {
      best = json;
      lo = mid + 1;
    }
  }
  if (best !== undefined) return best;
  return '{"oct.truncated":true}';
}

function toJson(value: unknown, stringBudget: number): string {
  if (stringBudget === Infinity) {
    // Fast path without a replacer call per value; JSON.stringify escapes lone surrogates and NUL
    // itself. It throws only on a BigInt, which the replacer below writes exactly.
    try {
      return JSON.stringify(value);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return RAW_PREFIX + v.toString();
    if (typeof v === 'string') {
      const clean = cleanText(v);
      return clean.length > stringBudget ? truncateUtf8(clean, stringBudget) + '…' : clean;
    }
    return v;
  }).replace(RAW_PATTERN, '$1');
}

// JSON.stringify cannot write a BigInt; mark it as a string and unquote it afterwards so
// 64-bit integers keep every digit.
const RAW_PREFIX = '\u0001oct-int:';
const RAW_PATTERN = /"\\u0001oct-int:(-?\d+)"/g;
