/**
 * The one-pass protobuf decoders against the reflection decoders they replaced
 * (reflection-decoders.ts): on generated requests that use every field of the schema in odd ways,
 * and on corrupted copies of them, both must give the same model or the same error message.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeLogsProtobuf } from '../../../src/receiver/otlp/decode-logs-protobuf.js';
import { decodeTracesProtobuf } from '../../../src/receiver/otlp/decode-traces-protobuf.js';
import { countSpans } from '../../../src/model/otlp.js';
import { DecodeError } from '../../../src/receiver/otlp/decode-errors.js';
import { reflectionDecodeLogs, reflectionDecodeTraces } from './reflection-decoders.js';

type Writer = protobuf.Writer;
type Rand = () => number;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const I32 = 5;
const tag = (field: number, wireType: number) => ((field << 3) | wireType) >>> 0;

/** xorshift32: the same requests on every run. */
function prng(seed: number): Rand {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
const below = (rand: Rand, n: number) => Math.floor(rand() * n);
const chance = (rand: Rand, p: number) => rand() < p;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[below(rand, list.length)];

/** Writes a length-delimited field whose content `body` writes. */
function message(w: Writer, field: number, body: () => void): void {
  w.uint32(tag(field, LEN)).fork();
  body();
  w.ldelim();
}

/** Fields written in a random order, each maybe more than once (a later one replaces a singular field). */
function fields(rand: Rand, writers: (() => void)[]): void {
  const order = writers.flatMap((write) => (chance(rand, 0.1) ? [write, write] : [write]));
  for (let i = order.length - 1; i > 0; i--) {
    const j = below(rand, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const write of order) write();
}

/** Sometimes an unknown field of any wire type, a group included. */
function unknownField(w: Writer, rand: Rand): void {
  if (!chance(rand, 0.15)) return;
  const field = 90 + below(rand, 9);
  switch (below(rand, 5)) {
    case 0:
      w.uint32(tag(field, VARINT)).uint64(pick(rand, [0, 1, 300, '18446744073709551615']));
      break;
    case 1:
      w.uint32(tag(field, I64)).fixed64(7);
      break;
    case 2:
      w.uint32(tag(field, LEN)).bytes(Buffer.from('future'));
      break;
    case 3:
      w.uint32(tag(field, I32)).fixed32(1);
      break;
    default:
      w.uint32(tag(field, START_GROUP)).uint32(tag(1, VARINT)).uint32(5).uint32(tag(field, END_GROUP));
  }
}

const KEYS = ['gen_ai.request.model', 'gen_ai.usage.input_tokens', 'k', '', 'ключ', 'dup', 'dup'];
const STRINGS = ['', 'gpt-4o', 'héllo wörld', '🦜 emoji', 'x'.repeat(300)];
const INTS: (number | string)[] = [
  0,
  1,
  -1,
  27,
  2 ** 31,
  -(2 ** 31),
  '9007199254740991',
  '9007199254740993',
  '-9223372036854775808',
  '9223372036854775807',
];
const DOUBLES = [0, -0, 0.25, -1e300, NaN, Infinity, -Infinity];
const UINT64S: (number | string)[] = [0, 1, '1544712660123456789', '18446744073709551615'];

/** The fields of an AnyValue: usually one oneof member, sometimes none, several, or an odd one. */
function anyValueFields(w: Writer, rand: Rand, level: number): void {
  const members = chance(rand, 0.1) ? 2 : chance(rand, 0.05) ? 0 : 1;
  for (let m = 0; m < members; m++) {
    switch (below(rand, level < 4 ? 10 : 8)) {
      case 0:
        w.uint32(tag(1, LEN)).string(pick(rand, STRINGS));
        break;
      case 1:
        w.uint32(tag(1, LEN)).bytes(Buffer.from([0x61, 0xff, 0x62, 0xc3])); // invalid UTF-8
        break;
      case 2:
        w.uint32(tag(2, VARINT)).bool(chance(rand, 0.5));
        break;
      case 3:
        w.uint32(tag(3, VARINT)).int64(pick(rand, INTS));
        break;
      case 4:
        w.uint32(tag(4, I64)).double(pick(rand, DOUBLES));
        break;
      case 5:
        w.uint32(tag(7, LEN)).bytes(Buffer.from(pick(rand, ['', 'AAEC', 'bytes']), 'base64'));
        break;
      case 6:
        w.uint32(tag(8, VARINT)).int32(pick(rand, [0, 3, -1]));
        break;
      case 7:
        deepValue(w, rand);
        break;
      case 8:
        message(w, 5, () => {
          for (let i = below(rand, 4); i > 0; i--) message(w, 1, () => anyValueFields(w, rand, level + 1));
          unknownField(w, rand);
        });
        break;
      default:
        message(w, 6, () => {
          for (let i = below(rand, 4); i > 0; i--) message(w, 1, () => keyValueFields(w, rand, level + 1));
          unknownField(w, rand);
        });
    }
  }
  unknownField(w, rand);
}

/** Rarely, a value nested around the 64-level limit (and protobufjs's message limit beyond it). */
function deepValue(w: Writer, rand: Rand): void {
  if (!chance(rand, 0.1)) {
    w.uint32(tag(1, LEN)).string('shallow');
    return;
  }
  const levels = pick(rand, [60, 64, 65, 66, 70]);
  const via = chance(rand, 0.5) ? 5 : 6;
  const open = (n: number) => {
    if (n === 0) {
      w.uint32(tag(1, LEN)).string('bottom');
      return;
    }
    if (via === 5) message(w, 5, () => message(w, 1, () => open(n - 1)));
    else message(w, 6, () => message(w, 1, () => keyValueWith(w, 'k', () => open(n - 1))));
  };
  open(levels);
}

function keyValueWith(w: Writer, key: string, value: () => void): void {
  w.uint32(tag(1, LEN)).string(key);
  message(w, 2, value);
}

function keyValueFields(w: Writer, rand: Rand, level: number): void {
  fields(rand, [
    () => w.uint32(tag(1, LEN)).string(pick(rand, KEYS)),
    ...(chance(rand, 0.9) ? [() => message(w, 2, () => anyValueFields(w, rand, level))] : []),
    ...(chance(rand, 0.05) ? [() => w.uint32(tag(3, VARINT)).int32(pick(rand, [0, 2]))] : []),
  ]);
  unknownField(w, rand);
}

function attributes(w: Writer, rand: Rand, field: number): void {
  for (let i = below(rand, 5); i > 0; i--) message(w, field, () => keyValueFields(w, rand, 1));
}

/** Mostly `size` bytes; sometimes absent, empty, or the wrong length. */
function id(w: Writer, rand: Rand, field: number, size: number): (() => void)[] {
  if (chance(rand, 0.05)) return [];
  const length = chance(rand, 0.04) ? pick(rand, [0, 5, size * 2]) : size;
  return [() => w.uint32(tag(field, LEN)).bytes(Buffer.from(Array.from({ length }, () => below(rand, 256))))];
}

function resource(w: Writer, rand: Rand): (() => void)[] {
  if (chance(rand, 0.1)) return [];
  return [
    () =>
      message(w, 1, () => {
        attributes(w, rand, 1);
        if (chance(rand, 0.2)) w.uint32(tag(2, VARINT)).uint32(3);
        unknownField(w, rand);
      }),
  ];
}

function scope(w: Writer, rand: Rand): (() => void)[] {
  if (chance(rand, 0.1)) return [];
  return [
    () =>
      message(w, 1, () => {
        fields(rand, [
          () => w.uint32(tag(1, LEN)).string(pick(rand, ['lib', '', 'ai'])),
          () => w.uint32(tag(2, LEN)).string(pick(rand, ['1.2.3', ''])),
          () => attributes(w, rand, 3),
          () => w.uint32(tag(4, VARINT)).uint32(1),
        ]);
        unknownField(w, rand);
      }),
  ];
}

function span(w: Writer, rand: Rand): void {
  const optional = (p: number, write: () => void) => (chance(rand, p) ? [write] : []);
  fields(rand, [
    ...id(w, rand, 1, 16),
    ...id(w, rand, 2, 8),
    ...(chance(rand, 0.5) ? id(w, rand, 4, 8) : []),
    ...optional(0.2, () => w.uint32(tag(3, LEN)).string('vendor=x')),
    ...optional(0.3, () => w.uint32(tag(16, I32)).fixed32(0x101)),
    ...optional(0.9, () => w.uint32(tag(5, LEN)).string(pick(rand, ['chat gpt-4o', '', 'tool lookup']))),
    ...optional(0.9, () => w.uint32(tag(6, VARINT)).int32(pick(rand, [0, 1, 3, 9, -1]))),
    ...optional(0.9, () => w.uint32(tag(7, I64)).fixed64(pick(rand, UINT64S))),
    ...optional(0.9, () => w.uint32(tag(8, I64)).fixed64(pick(rand, UINT64S))),
    () => attributes(w, rand, 9),
    ...optional(0.2, () => w.uint32(tag(10, VARINT)).uint32(2)),
    ...optional(0.2, () => w.uint32(tag(12, VARINT)).uint32(1)),
    ...optional(0.2, () => w.uint32(tag(14, VARINT)).uint32(4)),
    () => {
      for (let i = below(rand, 3); i > 0; i--) {
        message(w, 11, () =>
          fields(rand, [
            () => w.uint32(tag(1, I64)).fixed64(pick(rand, UINT64S)),
            () => w.uint32(tag(2, LEN)).string(pick(rand, ['exception', 'gen_ai.choice', ''])),
            () => attributes(w, rand, 3),
            () => w.uint32(tag(4, VARINT)).uint32(1),
          ]),
        );
      }
    },
    () => {
      for (let i = chance(rand, 0.2) ? below(rand, 3) : 0; i > 0; i--) {
        message(w, 13, () =>
          fields(rand, [
            ...id(w, rand, 1, 16),
            ...id(w, rand, 2, 8),
            () => w.uint32(tag(3, LEN)).string('k=v'),
            () => attributes(w, rand, 4),
            () => w.uint32(tag(5, VARINT)).uint32(1),
            () => w.uint32(tag(6, I32)).fixed32(1),
          ]),
        );
      }
    },
    ...optional(0.5, () =>
      message(w, 15, () => {
        if (chance(rand, 0.7)) w.uint32(tag(3, VARINT)).int32(pick(rand, [0, 1, 2]));
        if (chance(rand, 0.7)) w.uint32(tag(2, LEN)).string(pick(rand, ['429 rate limit', '']));
        if (chance(rand, 0.1)) w.uint32(tag(1, LEN)).string('reserved');
      }),
    ),
  ]);
  unknownField(w, rand);
}

function tracesRequest(seed: number): Uint8Array {
  const rand = prng(seed);
  const w = protobuf.Writer.create();
  for (let i = 1 + below(rand, 2); i > 0; i--) {
    message(w, 1, () => {
      fields(rand, [
        ...resource(w, rand),
        () => {
          for (let j = 1 + below(rand, 2); j > 0; j--) {
            message(w, 2, () => {
              fields(rand, [
                ...scope(w, rand),
                () => {
                  for (let k = below(rand, 4); k > 0; k--) message(w, 2, () => span(w, rand));
                },
                () => w.uint32(tag(3, LEN)).string('https://opentelemetry.io/schemas/1.26.0'),
              ]);
            });
          }
        },
        () => w.uint32(tag(3, LEN)).string('https://opentelemetry.io/schemas/1.26.0'),
      ]);
      unknownField(w, rand);
    });
  }
  unknownField(w, rand);
  return w.finish();
}

function logRecord(w: Writer, rand: Rand): void {
  const optional = (p: number, write: () => void) => (chance(rand, p) ? [write] : []);
  fields(rand, [
    ...optional(0.9, () => w.uint32(tag(1, I64)).fixed64(pick(rand, UINT64S))),
    ...optional(0.9, () => w.uint32(tag(11, I64)).fixed64(pick(rand, UINT64S))),
    ...optional(0.8, () => w.uint32(tag(2, VARINT)).int32(pick(rand, [0, 9, 17, -3]))),
    ...optional(0.5, () => w.uint32(tag(3, LEN)).string(pick(rand, ['INFO', '']))),
    ...optional(0.8, () => message(w, 5, () => anyValueFields(w, rand, 1))),
    () => attributes(w, rand, 6),
    ...optional(0.2, () => w.uint32(tag(7, VARINT)).uint32(2)),
    ...optional(0.3, () => w.uint32(tag(8, I32)).fixed32(1)),
    ...(chance(rand, 0.7) ? id(w, rand, 9, 16) : []),
    ...(chance(rand, 0.7) ? id(w, rand, 10, 8) : []),
    ...optional(0.5, () => w.uint32(tag(12, LEN)).string('gen_ai.client.inference.operation.details')),
    ...optional(0.1, () => w.uint32(tag(4, VARINT)).uint32(1)), // reserved
  ]);
  unknownField(w, rand);
}

function logsRequest(seed: number): Uint8Array {
  const rand = prng(seed);
  const w = protobuf.Writer.create();
  for (let i = 1 + below(rand, 2); i > 0; i--) {
    message(w, 1, () => {
      fields(rand, [
        ...resource(w, rand),
        () => {
          for (let j = 1 + below(rand, 2); j > 0; j--) {
            message(w, 2, () => {
              fields(rand, [
                ...scope(w, rand),
                () => {
                  for (let k = below(rand, 4); k > 0; k--) message(w, 2, () => logRecord(w, rand));
                },
              ]);
            });
          }
        },
      ]);
    });
  }
  unknownField(w, rand);
  return w.finish();
}

/** A corrupted copy: cut short, a byte changed, a byte dropped or a slice repeated. */
function corrupt(body: Uint8Array, rand: Rand): Buffer {
  const b = Buffer.from(body);
  if (b.length === 0) return b;
  const at = below(rand, b.length);
  switch (below(rand, 4)) {
    case 0:
      return b.subarray(0, at);
    case 1:
      b[at] = below(rand, 256);
      return b;
    case 2:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    default: {
      const end = Math.min(b.length, at + 1 + below(rand, 8));
      return Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
    }
  }
}

type Outcome<T> = { value: T } | { error: string };

/**
 * oct rejects a length prefix that does not fit its message where protobufjs reads a string to the
 * end or keeps the low 32 bits of a longer prefix: on such corrupt bodies only oct's answer counts.
 */
function sameOutcome<T>(actual: Outcome<T>, expected: Outcome<T>, stricter: { n: number }, what: string): void {
  if ('error' in actual && actual.error === 'invalid protobuf: truncated' && !('error' in expected && expected.error === actual.error)) {
    stricter.n++;
    return;
  }
  expect(actual, what).toEqual(expected);
}

function outcome<T>(decode: (body: Uint8Array) => T, body: Uint8Array): Outcome<T> {
  try {
    return { value: decode(body) };
  } catch (err) {
    return { error: err instanceof DecodeError ? truncation(err.message) : `not a DecodeError: ${String(err)}` };
  }
}

/** oct words a read past the end by what it read (a length prefix, a field); protobufjs in one way: compared as one kind. */
function truncation(message: string): string {
  return /index out of range|runs past the end|bytes left in its message|cut off by the end/.test(message)
    ? 'invalid protobuf: truncated'
    : message;
}

describe('one-pass protobuf decoders, compared with the reflection decoders', () => {
  it('decode generated trace requests to the same model, warnings and errors', () => {
    const seen = { ok: 0, error: 0, spans: 0, warned: 0 };
    const stricter = { n: 0 };
    for (let seed = 1; seed <= 1500; seed++) {
      const body = tracesRequest(seed);
      const expected = outcome(reflectionDecodeTraces, body);
      sameOutcome(outcome(decodeTracesProtobuf, body), expected, stricter, `seed ${seed}`);
      if ('value' in expected) {
        seen.ok++;
        seen.spans += countSpans(expected.value);
        if (expected.value.warnings.length > 0) seen.warned++;
      } else seen.error++;
    }
    // The generator reaches both outcomes, most requests decode, and they carry spans.
    expect(seen.ok).toBeGreaterThan(900);
    expect(seen.error).toBeGreaterThan(200);
    expect(seen.spans).toBeGreaterThan(2000);
    expect(seen.warned).toBeGreaterThan(50);
    expect(stricter.n).toBeLessThan(75);
  });

  it('fail the same way on corrupted trace requests', () => {
    const rand = prng(42);
    const messages = new Set<string>();
    const stricter = { n: 0 };
    for (let seed = 1; seed <= 3000; seed++) {
      const body = corrupt(tracesRequest(seed), rand);
      const expected = outcome(reflectionDecodeTraces, body);
      sameOutcome(outcome(decodeTracesProtobuf, body), expected, stricter, `seed ${seed}`);
      if ('error' in expected) messages.add(expected.error.replace(/\d+/g, 'N'));
    }
    // Every kind of error occurs.
    expect([...messages].sort()).toEqual([
      'attribute value nesting deeper than N levels',
      'invalid protobuf: invalid varint encoding',
      'invalid protobuf: invalid wire type N at offset N',
      'invalid protobuf: maximum nesting depth exceeded',
      'invalid protobuf: truncated',
      'resourceSpans[N].scopeSpans[N].spans[N].parentSpanId: expected N bytes, got N',
      'resourceSpans[N].scopeSpans[N].spans[N].spanId: expected N bytes, got N',
      'resourceSpans[N].scopeSpans[N].spans[N].traceId: expected N bytes, got N',
    ]);
    expect(stricter.n).toBeLessThan(300);
  });

  it('decode generated and corrupted log requests like the reflection decoder', () => {
    const rand = prng(7);
    let errors = 0;
    const stricter = { n: 0 };
    for (let seed = 1; seed <= 1500; seed++) {
      const body = logsRequest(seed);
      const expected = outcome(reflectionDecodeLogs, body);
      sameOutcome(outcome(decodeLogsProtobuf, body), expected, stricter, `seed ${seed}`);
      const broken = corrupt(body, rand);
      const expectedBroken = outcome(reflectionDecodeLogs, broken);
      sameOutcome(outcome(decodeLogsProtobuf, broken), expectedBroken, stricter, `corrupted seed ${seed}`);
      if ('error' in expectedBroken) errors++;
    }
    expect(errors).toBeGreaterThan(300);
    expect(stricter.n).toBeLessThan(150);
  });

  it('reports the first problem in the order the model was checked: span ids, span values, then resource values', () => {
    let w = protobuf.Writer.create();
    /** A KeyValue whose value is nested `levels` deep through arrays. */
    const deepKeyValue = (levels: number) => () => {
      w.uint32(tag(1, LEN)).string('deep');
      message(w, 2, () => {
        let open = (): void => void w.uint32(tag(1, LEN)).string('bottom');
        for (let n = 1; n < levels; n++) {
          const inner = open;
          open = () => message(w, 5, () => message(w, 1, inner));
        }
        open();
      });
    };
    const spanWith = (traceIdBytes: number, deepLevels: number) => () => {
      w.uint32(tag(1, LEN)).bytes(Buffer.alloc(traceIdBytes, 1));
      w.uint32(tag(2, LEN)).bytes(Buffer.alloc(8, 2));
      if (deepLevels > 0) message(w, 9, deepKeyValue(deepLevels));
    };
    const request = (resourceDeep: number, spans: (() => void)[]) => {
      w = protobuf.Writer.create();
      message(w, 1, () => {
        if (resourceDeep > 0) message(w, 1, () => message(w, 1, deepKeyValue(resourceDeep)));
        message(w, 2, () => spans.forEach((s) => message(w, 2, s)));
      });
      const body = w.finish();
      return { expected: outcome(reflectionDecodeTraces, body), actual: outcome(decodeTracesProtobuf, body) };
    };
    const cases = [
      request(65, [spanWith(16, 0), spanWith(5, 0)]), // resource too deep (written first), span 1 bad id
      request(65, [spanWith(16, 0)]), // only the resource
      request(0, [spanWith(16, 65), spanWith(5, 0)]), // span 0 too deep, span 1 bad id
      request(0, [spanWith(5, 65)]), // bad id and too deep in one span
      request(0, [spanWith(16, 64)]), // at the limit: fine
      request(0, [spanWith(16, 100)]), // beyond protobufjs's own message depth limit
    ];
    expect(cases.map((c) => c.actual)).toEqual(cases.map((c) => c.expected));
    expect(cases.map((c) => ('error' in c.expected ? c.expected.error : 'ok'))).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 16 bytes, got 5',
      'attribute value nesting deeper than 64 levels',
      'attribute value nesting deeper than 64 levels',
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 5',
      'ok',
      'invalid protobuf: maximum nesting depth exceeded',
    ]);
    // The decoders apply their depth limit themselves: protobufjs's library-wide one stays at its default.
    expect(protobuf.Reader.recursionLimit).toBe(100);
  });

  it('read an over-long varint in every uint32 field the way protobufjs does', () => {
    // Seven bytes: Reader.uint32() takes ten (it skips five after the fifth), a plain skip takes seven.
    const overlong = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    const raw = (field: number, wireType: number, content: Buffer) =>
      Buffer.concat([Buffer.from(protobuf.Writer.create().uint32(tag(field, wireType)).finish()), content]);
    const len = (field: number, content: Buffer) =>
      Buffer.concat([Buffer.from(protobuf.Writer.create().uint32(tag(field, LEN)).uint32(content.length).finish()), content]);
    const name = len(5, Buffer.from('after the count'));
    const ids = Buffer.concat([len(1, Buffer.alloc(16, 1)), len(2, Buffer.alloc(8, 2))]);
    const inSpan = (...parts: Buffer[]) => len(1, len(2, len(2, Buffer.concat([ids, ...parts]))));
    const traces = [
      inSpan(raw(10, VARINT, overlong), name),
      inSpan(raw(12, VARINT, overlong), name),
      inSpan(raw(14, VARINT, overlong), name),
      inSpan(len(11, Buffer.concat([raw(4, VARINT, overlong), len(2, Buffer.from('event'))]))),
      inSpan(len(13, Buffer.concat([raw(5, VARINT, overlong), len(3, Buffer.from('k=v'))]))),
      len(1, len(1, Buffer.concat([raw(2, VARINT, overlong), len(1, len(1, Buffer.from('key')))]))),
      len(1, len(2, len(1, Buffer.concat([raw(4, VARINT, overlong), len(1, Buffer.from('scope'))])))),
    ];
    for (const body of traces) expect(outcome(decodeTracesProtobuf, body)).toEqual(outcome(reflectionDecodeTraces, body));
    const log = len(1, len(2, len(2, Buffer.concat([raw(7, VARINT, overlong), len(3, Buffer.from('INFO'))]))));
    expect(outcome(decodeLogsProtobuf, log)).toEqual(outcome(reflectionDecodeLogs, log));
  });

  it('decode attribute keys through the key cache exactly, also when keys collide or are not ASCII', () => {
    const keys: (string | Buffer)[] = [];
    // Same length, first, middle and last byte: they share a cache slot and must not be confused.
    for (let i = 0; i < 300; i++) keys.push(`k${String(i).padStart(3, '0')}.x.${String(i % 7)}z`);
    keys.push('', 'ключ', 'x'.repeat(64), 'x'.repeat(65), 'k\u0000nul', Buffer.from([0x6b, 0xff, 0x6b]), Buffer.from([0x6b, 0xc3]));
    const w = protobuf.Writer.create();
    message(w, 1, () =>
      message(w, 2, () =>
        message(w, 2, () => {
          w.uint32(tag(1, LEN)).bytes(Buffer.alloc(16, 1));
          w.uint32(tag(2, LEN)).bytes(Buffer.alloc(8, 2));
          // Every key twice, so the second read of each comes from the cache when it is cacheable.
          for (const key of [...keys, ...keys.slice().reverse()]) {
            message(w, 9, () => {
              if (typeof key === 'string') w.uint32(tag(1, LEN)).string(key);
              else w.uint32(tag(1, LEN)).bytes(key);
              message(w, 2, () => w.uint32(tag(1, LEN)).string('v'));
            });
          }
        }),
      ),
    );
    const body = w.finish();
    for (let round = 0; round < 2; round++) expect(decodeTracesProtobuf(body)).toEqual(reflectionDecodeTraces(body));
    const attributes = decodeTracesProtobuf(body).resourceSpans[0].scopeSpans[0].spans[0].attributes;
    expect(attributes.size).toBe(keys.length);
    expect([...attributes.keys()].slice(-2)).toEqual(['k\uFFFDk', 'k\uFFFD']);
  });
});
