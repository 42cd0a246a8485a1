// Mutations of valid bodies for the fuzz probe. Each takes a Buffer and a random source and returns
// a new Buffer; which ones apply depends on the body's encoding ('pb' or 'json').
import { varint } from './wire.js';

const int = (r, n) => Math.floor(r() * n);
const pick = (r, list) => list[int(r, list.length)];

function bitFlip(buf, r) {
  const out = Buffer.from(buf);
  for (let i = 1 + int(r, 8); i > 0 && out.length; i--) out[int(r, out.length)] ^= 1 << int(r, 8);
  return out;
}

const truncate = (buf, r) => buf.subarray(0, int(r, buf.length));

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]];

/** Invalid UTF-8 spliced in; in JSON just after a quote, so it lands inside a string. */
function invalidUtf8(buf, r, kind) {
  let at = int(r, buf.length + 1);
  if (kind === 'json') {
    const quote = buf.indexOf(0x22, at);
    at = quote < 0 ? at : quote + 1;
  }
  return Buffer.concat([buf.subarray(0, at), Buffer.from(pick(r, INVALID_UTF8)), buf.subarray(at)]);
}

function readVarint(buf, pos) {
  let v = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    v |= BigInt(buf[i] & 0x7f) << shift;
    shift += 7n;
    if ((buf[i] & 0x80) === 0) return { value: v, end: i + 1 };
  }
  return null;
}

/** [start, end) of every length prefix of a length-delimited field, descending into those that parse as messages. */
function lengthPrefixes(buf, from = 0, to = buf.length, out = [], depth = 0) {
  let pos = from;
  while (pos < to) {
    const key = readVarint(buf, pos);
    if (!key) return out;
    const wire = Number(key.value & 7n);
    pos = key.end;
    if (wire === 0) {
      const v = readVarint(buf, pos);
      if (!v) return out;
      pos = v.end;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = readVarint(buf, pos);
      if (!len || len.end + Number(len.value) > to) return out;
      out.push([pos, len.end]);
      if (depth < 12) lengthPrefixes(buf, len.end, len.end + Number(len.value), out, depth + 1);
      pos = len.end + Number(len.value);
    } else return out;
  }
  return out;
}

const LENGTHS = [0n, 1n, 127n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];

/** One length prefix replaced: off by one, zero, or one of the values that overflow 32 and 64 bits. */
function lengthEdit(buf, r) {
  const prefixes = lengthPrefixes(buf);
  if (prefixes.length === 0) return bitFlip(buf, r);
  const [start, end] = pick(r, prefixes);
  const current = readVarint(buf, start).value;
  const value = r() < 0.4 ? (r() < 0.5 ? current + 1n : current > 0n ? current - 1n : 1n) : pick(r, LENGTHS);
  return Buffer.concat([buf.subarray(0, start), varint(value), buf.subarray(end)]);
}

/** A tag's wire type changed (a string read as a varint, a fixed64 as a group, …). */
function wireType(buf, r) {
  const prefixes = lengthPrefixes(buf);
  const out = Buffer.from(buf);
  if (prefixes.length === 0) return bitFlip(buf, r);
  const [start] = pick(r, prefixes);
  // The tag is the byte before the prefix when the field number is < 16 (every field oct reads).
  if (start > 0) out[start - 1] = (out[start - 1] & ~7) | int(r, 8);
  return out;
}

const appendGarbage = (buf, r) => Buffer.concat([buf, Buffer.from(Array.from({ length: 1 + int(r, 32) }, () => int(r, 256)))]);

const WRONG_VALUES = [
  null,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 64,
  '',
  'x',
  '0x1f',
  '99999999999999999999999',
  true,
  [],
  {},
  [1, 'a', null],
  { a: 1 },
];

/** Every [container, key] pair of a parsed JSON value. */
function slots(root) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const value = stack.pop();
    if (value && typeof value === 'object')
      for (const key of Object.keys(value)) {
        out.push([value, key]);
        stack.push(value[key]);
      }
  }
  return out;
}

function wrongType(buf, r) {
  let doc;
  try {
    doc = JSON.parse(buf.toString());
  } catch {
    return bitFlip(buf, r);
  }
  const all = slots(doc);
  if (all.length === 0) return Buffer.from(JSON.stringify(pick(r, WRONG_VALUES)));
  const [container, key] = pick(r, all);
  if (r() < 0.15) delete container[key];
  else container[key] = structuredClone(pick(r, WRONG_VALUES));
  return Buffer.from(JSON.stringify(doc));
}

const DEPTHS = [64, 256, 1_000, 5_000, 20_000, 100_000];

/** A value (or the whole body) replaced by arrays or objects nested up to 100,000 deep. */
function deepNesting(buf, r) {
  const depth = pick(r, DEPTHS);
  const nested = r() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  let doc;
  try {
    doc = JSON.parse(buf.toString());
  } catch {
    return Buffer.from(nested);
  }
  const all = slots(doc);
  if (all.length === 0 || r() < 0.1) return Buffer.from(nested);
  const [container, key] = pick(r, all);
  container[key] = '\u0000DEEP\u0000';
  return Buffer.from(JSON.stringify(doc).replace('"\\u0000DEEP\\u0000"', nested));
}

export const MUTATIONS = {
  pb: { bitFlip, truncate, lengthEdit, wireType, invalidUtf8, appendGarbage },
  json: { bitFlip, truncate, wrongType, deepNesting, invalidUtf8, appendGarbage },
};

/**
 * 1–3 mutations of `buf`; returns the body and the mutations' names. Deep nesting comes last and
 * once: a body nested 100,000 deep is no longer one JSON.parse can give back to the others.
 */
export function mutate(buf, kind, r) {
  const table = MUTATIONS[kind];
  const names = Object.keys(table);
  const chosen = Array.from({ length: 1 + int(r, 3) }, () => pick(r, names));
  const applied = [...chosen.filter((m) => m !== 'deepNesting'), ...(chosen.includes('deepNesting') ? ['deepNesting'] : [])];
  let out = buf;
  for (const m of applied) out = table[m](out, r, kind);
  return { body: out, applied };
}
