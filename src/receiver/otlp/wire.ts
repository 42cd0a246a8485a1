import protobuf from 'protobufjs';
import { MAX_VALUE_DEPTH } from './decode-errors.js';
import { KeyCache } from './key-cache.js';

// One AnyValue level can take three messages (AnyValue, KeyValueList, KeyValue), below six levels
// of envelope: with this message depth (protobufjs's default is 100), the AnyValue limit shared
// with JSON is the one that applies.
export const MAX_MESSAGE_DEPTH = 3 * MAX_VALUE_DEPTH + 8;

// Shared by all requests, which repeat the same keys: a cache per request measured 8–15 % slower.
// It only memoizes decoded strings, so nothing it holds can change a result.
const KEYS = new KeyCache();

/**
 * protobufjs's Reader with the field readers that generated code inlines, and a depth limit of its
 * own (protobufjs's is library-wide). Strings go through Node's decoder: invalid UTF-8 becomes U+FFFD.
 */
export class Wire extends protobuf.BufferReader {
  declare buf: Buffer;

  constructor(body: Uint8Array) {
    super(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  /**
   * Enters the length-delimited sub-message that starts here, `depth` messages below the request;
   * returns the enclosing message's end, for `leave`.
   */
  enter(depth: number): number {
    const length = this.length();
    if (depth > MAX_MESSAGE_DEPTH) throw Error('maximum nesting depth exceeded');
    const end = this.pos + length;
    const outerEnd = this.len;
    this.len = end;
    return outerEnd;
  }

  /** Leaves the sub-message `enter` entered, which must end exactly at its end. */
  leave(outerEnd: number): void {
    if (this.pos !== this.len) throw RangeError(`a field at offset ${this.pos} runs past the end of its message`);
    this.len = outerEnd;
  }

  /** Skips a field the decoder does not know: `Reader.skipType` under this reader's depth limit. */
  skipField(tag: number, depth: number): void {
    if (depth > MAX_MESSAGE_DEPTH) throw Error('maximum nesting depth exceeded');
    const wireType = tag & 7;
    switch (wireType) {
      case 0:
        this.skip();
        break;
      case 1:
        this.skip(8);
        break;
      case 2:
        this.skip(this.length());
        break;
      case 3:
        for (let t = this.uint32(); (t & 7) !== 4; t = this.uint32()) this.skipField(t, depth + 1);
        break;
      case 5:
        this.skip(4);
        break;
      default:
        throw Error(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  /**
   * A length prefix, which must fit in what is left of the current message. protobufjs's `uint32()`
   * keeps the low 32 bits of a longer varint (a prefix of 2^63 read as 0), and its string reader
   * clamps a prefix to the end of the body: both accepted corrupt bodies.
   */
  length(): number {
    const start = this.pos;
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.len) throw RangeError(`length prefix at offset ${start} is cut off by the end of its message`);
      const byte = buf[this.pos++];
      value += (byte & 127) * 2 ** shift;
      if (byte < 128) break;
      if (shift === 63) throw Error('invalid varint encoding');
    }
    const left = this.len - this.pos;
    if (value > left) throw RangeError(`length prefix ${value} at offset ${start} exceeds the ${left} bytes left in its message`);
    return value;
  }

  override bytes(): Uint8Array {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  override string(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.toString('utf8', start, this.pos);
  }

  /** Skips a string or bytes field. */
  skipString(): void {
    const length = this.length();
    this.pos += length;
  }

  /**
   * An id (a bytes field) read like `bytes()`: lower-case hex, '' when empty, or the byte count
   * when it is not `size` bytes long (the caller rejects the record).
   */
  id(size: number): string | number {
    const length = this.length();
    const start = this.pos;
    this.pos = start + length;
    if (length === size) return this.buf.toString('hex', start, start + length);
    return length === 0 ? '' : length;
  }

  /** A string field like `string()`, through the cache of attribute keys. */
  key(): string {
    const length = this.length();
    const start = this.pos;
    this.pos = start + length;
    return KEYS.get(this.buf, start, this.pos);
  }

  /** fixed64 → bigint, exactly. */
  fixed64BigInt(): bigint {
    if (this.pos + 8 > this.len) throw this.#outOfRange(8);
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 8;
    const low = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
    const high = (buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)) >>> 0;
    return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
  }

  /**
   * int64 as a number when safe, else a bigint. The reads and errors of protobufjs's `int64()`,
   * without its LongBits and Long objects (which cost 7 % of the decode of small spans).
   */
  int64Value(): number | bigint {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    if (this.len - this.pos > 4) {
      for (; i < 4; ++i) {
        lo = (lo | ((buf[this.pos] & 127) << (i * 7))) >>> 0;
        if (buf[this.pos++] < 128) return int64Of(lo, hi);
      }
      lo = (lo | ((buf[this.pos] & 127) << 28)) >>> 0;
      hi = (hi | ((buf[this.pos] & 127) >> 4)) >>> 0;
      if (buf[this.pos++] < 128) return int64Of(lo, hi);
    } else {
      for (; i < 3; ++i) {
        if (this.pos >= this.len) throw this.#outOfRange(1);
        lo = (lo | ((buf[this.pos] & 127) << (i * 7))) >>> 0;
        if (buf[this.pos++] < 128) return int64Of(lo, hi);
      }
      lo = (lo | ((buf[this.pos++] & 127) << (i * 7))) >>> 0;
      return int64Of(lo, hi);
    }
    for (i = 0; i < 5; ++i) {
      if (this.pos >= this.len) throw this.#outOfRange(1);
      hi = (hi | ((buf[this.pos] & 127) << (i * 7 + 3))) >>> 0;
      if (buf[this.pos++] < 128) return int64Of(lo, hi);
    }
    throw Error('invalid varint encoding');
  }

  #outOfRange(length: number): RangeError {
    return RangeError(`a ${length}-byte field at offset ${this.pos} runs past the end of its message`);
  }
}

/** The signed 64-bit value of two 32-bit halves: high * 2^32 is exact, the sum rounds only beyond 2^53. */
function int64Of(lo: number, hi: number): number | bigint {
  const high = hi | 0;
  const n = high * 4294967296 + lo;
  return Number.isSafeInteger(n) ? n : (BigInt(high) << 32n) + BigInt(lo);
}
