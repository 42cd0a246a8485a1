// Parser edges: lengths that do not fit, nesting deep enough to overflow a recursive parser, and
// corrupt gzip. Each must be a 400 whose message is oct's own, not a library's.
import path from 'node:path';
import zlib from 'node:zlib';
import { post } from '../load.js';
import { startOct, tempDir } from '../oct.js';
import { row } from '../report.js';
import { deepAnyValue, tracesJson, tracesPb, varint } from '../wire.js';

export const name = 'parser-edges';
const LIBRARY_WORDS =
  /Maximum call stack|index out of range|incorrect header check|unexpected end of file|invalid (stored block|distance|code)|Unexpected (token|end of JSON)|JSON at position|RangeError|TypeError/i;
const PB = { 'Content-Type': 'application/x-protobuf' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A traces request whose first field's length prefix is `length`, followed by a valid ResourceSpans. */
function lengthPrefixed(length) {
  const valid = tracesPb(1);
  let end = 1;
  while (valid[end] & 0x80) end++;
  return Buffer.concat([Buffer.from([0x0a]), varint(length), valid.subarray(end + 1)]);
}

const nested = (depth, open, leaf, close) => open.repeat(depth) + leaf + close.repeat(depth);

function deepOtlpJson(depth) {
  const doc = tracesJson(1);
  doc.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: 'deep', value: '\u0000' });
  return JSON.stringify(doc).replace('"\\u0000"', nested(depth, '{"arrayValue":{"values":[', '{"stringValue":"x"}', ']}}'));
}

const CASES = [
  { what: 'protobuf length prefix 2^63', route: '/v1/traces', headers: PB, body: () => lengthPrefixed(2n ** 63n) },
  { what: 'protobuf length prefix 2^64 − 1', route: '/v1/traces', headers: PB, body: () => lengthPrefixed(2n ** 64n - 1n) },
  { what: 'protobuf length prefix 2^31', route: '/v1/traces', headers: PB, body: () => lengthPrefixed(2n ** 31n) },
  { what: 'protobuf truncated mid-field', route: '/v1/traces', headers: PB, body: () => tracesPb(3).subarray(0, 100) },
  {
    what: 'protobuf AnyValue nested 5,000 deep',
    route: '/v1/traces',
    headers: PB,
    body: () => tracesPb(1, deepAnyValue(5_000)),
    accept200: true,
  },
  {
    what: 'native JSON nested 5,000 levels',
    route: '/api/v1/traces',
    headers: JSON_TYPE,
    body: () => Buffer.from(`{"model":"gpt-4o","metadata":${nested(5_000, '{"a":', '1', '}')}}`),
  },
  {
    what: 'native JSON array nested 5,000 levels',
    route: '/api/v1/traces',
    headers: JSON_TYPE,
    body: () => Buffer.from(nested(5_000, '[', '', ']')),
  },
  {
    what: 'OTLP/JSON arrayValue nested 5,000 levels',
    route: '/v1/traces',
    headers: JSON_TYPE,
    body: () => Buffer.from(deepOtlpJson(5_000)),
    accept200: true,
  },
  { what: 'gzip header that is not gzip', route: '/v1/traces', headers: { ...PB, 'Content-Encoding': 'gzip' }, body: () => tracesPb(1) },
  {
    what: 'gzip stream cut short',
    route: '/v1/traces',
    headers: { ...PB, 'Content-Encoding': 'gzip' },
    body: () => {
      const gz = zlib.gzipSync(tracesPb(50));
      return gz.subarray(0, gz.length >> 1);
    },
  },
];

/** The message of a google.rpc.Status (protobuf: field 2; or JSON) or of a native {"error"} body. */
function messageOf(raw) {
  if (raw[0] === 0x08) {
    let p = 1;
    while (raw[p++] & 0x80);
    if (raw[p++] === 0x12) {
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const b = raw[p++];
        length += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) break;
      }
      return raw.subarray(p, p + length).toString();
    }
  }
  try {
    const doc = JSON.parse(raw.toString());
    return doc.message ?? doc.error ?? raw.toString();
  } catch {
    return raw.toString();
  }
}

export async function run() {
  const oct = await startOct(path.join(tempDir(name), 'oct.db'));
  const rows = [];
  for (const c of CASES) {
    const res = await post(oct.url, c.body(), { path: c.route, headers: c.headers });
    const message = res.error ?? messageOf(res.raw).replaceAll('\n', ' ');
    const own = !LIBRARY_WORDS.test(message);
    const ok = (res.status === 400 && own) || (c.accept200 && res.status === 200);
    rows.push(
      row(
        name,
        `${c.what} → ${res.status || res.error}${res.status === 200 ? '' : ` "${message.slice(0, 90)}${message.length > 90 ? '…' : ''}"`}`,
        c.accept200 ? "200, or 400 in oct's words" : "400 in oct's words",
        ok,
      ),
    );
  }
  await oct.stop();
  return rows;
}
