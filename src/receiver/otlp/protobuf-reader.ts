import protobuf from 'protobufjs';
import { DecodeError, MAX_VALUE_DEPTH, nestingTooDeep, warnStrindex } from './decode-errors.js';
import type { AnyValue, Attributes, KvList, Scope } from '../../model/otlp.js';

/**
 * Hand-written OTLP/protobuf decoding on top of protobufjs's `Reader`: one pass over the wire
 * straight into the model (model.ts), instead of `Type.decode` objects walked a second time.
 *
 * It reads exactly like the code protobufjs generates for the schema in proto/, so bodies decode
 * and fail the same way: fields are told apart by number only (the wire type is not checked);
 * every field the schema knows is read with the Reader method of its type, even when the model
 * drops it, and unknown fields are skipped; a sub-message sets `Reader.len` to its end, so strings
 * are clamped there and a message must end exactly there; a later occurrence of a singular field
 * replaces the earlier one. Structural errors are thrown as they are met; `decodeRequest()`
 * prefixes them with "invalid protobuf: ".
 *
 * What the model cannot take (an id of the wrong length, a value nested too deep) is found in the
 * same pass: values report it through `VALUE_*` flags, the subclasses `reject()` the request, and
 * `decodeRequest()` throws the first rejection only once the whole body has been read. Errors thus
 * win in the order they did when a walk over the `Type.decode` result came second: structural
 * errors anywhere first, then the walk's order (for traces, each span's ids, attributes, events;
 * a resource's attributes after its spans).
 */

/** The value just decoded (or one of its nested values) is nested deeper than MAX_VALUE_DEPTH. */
export const VALUE_TOO_DEEP = 1;
/** The value just decoded used `string_value_strindex` or `key_strindex` (profiles-only fields). */
export const VALUE_STRINDEX = 2;

// protobufjs refuses messages nested deeper than Reader.recursionLimit (100). One AnyValue level
// can take three messages (AnyValue, KeyValueList, KeyValue), below six levels of envelope, so the
// cap is raised until the AnyValue limit shared with the JSON decoder is the one that applies.
protobuf.Reader.recursionLimit = Math.max(protobuf.Reader.recursionLimit, 3 * MAX_VALUE_DEPTH + 8);

// AnyValue oneof members, in the order the model gives them precedence when several are present.
const STRING = 1;
const INT = 2;
const BOOL = 4;
const DOUBLE = 8;
const ARRAY = 16;
const KVLIST = 32;
const BYTES = 64;
const STRINDEX = 128;

// Message depths below the request of the envelope traces and logs share, as protobufjs counts
// them for its recursion limit; the items (Span, LogRecord) are at depth 3.
const RESOURCE_GROUP = 1; // ResourceSpans, ResourceLogs
const RESOURCE = 2;
const SCOPE_GROUP = 2; // ScopeSpans, ScopeLogs
const SCOPE = 3;

export abstract class OtlpProtobufReader {
  protected readonly r: protobuf.Reader;
  protected readonly buf: Buffer;
  /** VALUE_* flags of the value (or values) the last `anyValue`, `keyValue` or `resource` call read. */
  protected flags = 0;
  protected readonly warnings: string[] = [];
  /** The first reason to reject the request, in the order described above. */
  private rejection: DecodeError | null = null;
  /** The first reason to reject the request among the items of the resource group being read. */
  protected itemRejection: DecodeError | null = null;

  protected constructor(body: Uint8Array) {
    this.buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // A BufferReader: strings go through Node's decoder, which turns invalid UTF-8 into U+FFFD.
    this.r = protobuf.Reader.create(this.buf);
  }

  /**
   * Reads the request message: field 1 (resource_spans / resource_logs) with `readItem`, given
   * the item's index. Then throws the first rejection, if any.
   */
  protected decodeRequest<T>(readItem: (index: number) => T): T[] {
    const r = this.r;
    const items: T[] = [];
    try {
      while (r.pos < r.len) {
        const tag = r.uint32();
        if (tag >>> 3 === 1) items.push(readItem(items.length));
        else this.skip(tag, 0);
      }
    } catch (err) {
      throw new DecodeError(`invalid protobuf: ${(err as Error).message}`);
    }
    if (this.rejection !== null) throw this.rejection;
    return items;
  }

  /** Records why the model rejects the request, unless an earlier reason is known. */
  protected reject(error: DecodeError | null): void {
    if (this.rejection === null) this.rejection = error;
  }

  /**
   * A ResourceSpans / ResourceLogs message: resource (1), scope groups (2) read by `readScopeGroup`
   * given their index, schema_url (3). Its items are checked before its resource's attributes.
   */
  protected resourceGroup<G>(readScopeGroup: (index: number) => G): { resource: Attributes; groups: G[] } {
    const r = this.r;
    const outerEnd = this.enter(RESOURCE_GROUP);
    let resource: Attributes = new Map();
    let resourceFlags = 0;
    const groups: G[] = [];
    this.itemRejection = null;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: // resource
          resource = this.resource(RESOURCE);
          resourceFlags = this.flags;
          break;
        case 2: // scope_spans / scope_logs
          groups.push(readScopeGroup(groups.length));
          break;
        case 3: // schema_url
          this.skipString();
          break;
        default:
          this.skip(tag, RESOURCE_GROUP);
      }
    }
    this.leave(outerEnd);
    this.reject(this.itemRejection ?? (resourceFlags & VALUE_TOO_DEEP ? nestingTooDeep() : null));
    if (resourceFlags & VALUE_STRINDEX) warnStrindex(this.warnings);
    return { resource, groups };
  }

  /** A ScopeSpans / ScopeLogs message: scope (1), items (2) read by `readItem` given their index, schema_url (3). */
  protected scopeGroup<T>(readItem: (index: number) => T): { scope: Scope; items: T[] } {
    const r = this.r;
    const outerEnd = this.enter(SCOPE_GROUP);
    let scope: Scope = { name: '', version: '' };
    const items: T[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          scope = this.scope(SCOPE);
          break;
        case 2:
          items.push(readItem(items.length));
          break;
        case 3: // schema_url
          this.skipString();
          break;
        default:
          this.skip(tag, SCOPE_GROUP);
      }
    }
    this.leave(outerEnd);
    return { scope, items };
  }

  /** A Resource message: its attributes; sets `flags`. */
  private resource(depth: number): Attributes {
    const r = this.r;
    const outerEnd = this.enter(depth);
    const attributes: Attributes = new Map();
    let flags = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: // attributes
          this.keyValue(attributes, depth + 1, 1);
          flags |= this.flags;
          break;
        case 2: // dropped_attributes_count
          r.uint32();
          break;
        default:
          this.skip(tag, depth);
      }
    }
    this.leave(outerEnd);
    this.flags = flags;
    return attributes;
  }

  /** An InstrumentationScope: name and version; its attributes are read but not kept. */
  private scope(depth: number): Scope {
    const r = this.r;
    const outerEnd = this.enter(depth);
    const scope: Scope = { name: '', version: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          scope.name = r.string();
          break;
        case 2:
          scope.version = r.string();
          break;
        case 3: // attributes
          this.keyValue(new Map(), depth + 1, 1);
          break;
        case 4: // dropped_attributes_count
          r.uint32();
          break;
        default:
          this.skip(tag, depth);
      }
    }
    this.leave(outerEnd);
    return scope;
  }

  /**
   * Enters the length-delimited sub-message that starts at the current position, `depth` messages
   * below the request; returns the enclosing message's end, for `leave`.
   */
  protected enter(depth: number): number {
    const r = this.r;
    const length = r.uint32();
    if (depth > protobuf.Reader.recursionLimit) throw Error('maximum nesting depth exceeded');
    const end = r.pos + length;
    if (end > r.len) throw RangeError('index out of range');
    const outerEnd = r.len;
    r.len = end;
    return outerEnd;
  }

  /** Leaves the sub-message `enter` entered, which must end exactly at its end. */
  protected leave(outerEnd: number): void {
    const r = this.r;
    if (r.pos !== r.len) throw RangeError('index out of range');
    r.len = outerEnd;
  }

  /** Skips a field this decoder does not know, as generated code does. */
  protected skip(tag: number, depth: number): void {
    this.r.skipType(tag & 7, depth);
  }

  /** Skips a string field: like `Reader.string()`, clamped to the message end, never an error. */
  protected skipString(): void {
    const r = this.r;
    const length = r.uint32();
    r.pos = Math.min(r.pos + length, r.len);
  }

  /**
   * Reads an id (a bytes field) like `Reader.bytes()`: lower-case hex, '' when empty, or the byte
   * count when it is not `size` bytes long (the caller rejects the record).
   */
  protected id(size: number): string | number {
    const r = this.r;
    const length = r.uint32();
    const start = r.pos;
    if (start + length > r.len) throw outOfRange(r, length);
    r.pos = start + length;
    if (length === size) return this.buf.toString('hex', start, start + length);
    return length === 0 ? '' : length;
  }

  /** A string field like `Reader.string()`, through the cache of attribute keys. */
  private key(): string {
    const r = this.r;
    const length = r.uint32();
    const start = r.pos;
    r.pos = Math.min(start + length, r.len);
    return KEYS.get(this.buf, start, r.pos);
  }

  /** fixed64 → bigint, exactly. */
  protected fixed64(): bigint {
    const r = this.r;
    if (r.pos + 8 > r.len) throw outOfRange(r, 8);
    const buf = this.buf;
    const p = r.pos;
    r.pos = p + 8;
    const low = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
    const high = (buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)) >>> 0;
    return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
  }

  /** A repeated KeyValue field (one more item each call) into `map`; sets `flags`. */
  protected keyValue(map: Attributes, depth: number, valueDepth: number): void {
    const r = this.r;
    const outerEnd = this.enter(depth);
    let key = '';
    let value: AnyValue = null;
    let valueFlags = 0;
    let keyStrindex = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          key = this.key();
          break;
        case 2:
          value = this.anyValue(depth + 1, valueDepth);
          valueFlags = this.flags;
          break;
        case 3:
          keyStrindex = r.int32();
          break;
        default:
          this.skip(tag, depth);
      }
    }
    this.leave(outerEnd);
    map.set(key, value);
    this.flags = keyStrindex === 0 ? valueFlags : valueFlags | VALUE_STRINDEX;
  }

  /**
   * Reads one AnyValue message whose value sits at nesting level `valueDepth` (an attribute's own
   * value is level 1); sets `flags`. With several oneof members on the wire, the first in the
   * model's order wins; a repeated member keeps its last occurrence.
   */
  protected anyValue(depth: number, valueDepth: number): AnyValue {
    const r = this.r;
    const outerEnd = this.enter(depth);
    let present = 0;
    let string = '';
    let int: number | bigint = 0;
    let bool = false;
    let double = 0;
    let array: AnyValue[] = [];
    let arrayFlags = 0;
    let kvlist: KvList | null = null;
    let kvlistFlags = 0;
    let bytes: Uint8Array | null = null;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          string = r.string();
          present |= STRING;
          break;
        case 2:
          bool = r.bool();
          present |= BOOL;
          break;
        case 3:
          int = this.int64();
          present |= INT;
          break;
        case 4:
          double = r.double();
          present |= DOUBLE;
          break;
        case 5:
          array = this.arrayValue(depth + 1, valueDepth + 1);
          arrayFlags = this.flags;
          present |= ARRAY;
          break;
        case 6:
          kvlist = this.kvlistValue(depth + 1, valueDepth + 1);
          kvlistFlags = this.flags;
          present |= KVLIST;
          break;
        case 7:
          bytes = r.bytes();
          present |= BYTES;
          break;
        case 8:
          r.int32();
          present |= STRINDEX;
          break;
        default:
          this.skip(tag, depth);
      }
    }
    this.leave(outerEnd);
    this.flags = 0;
    if (valueDepth > MAX_VALUE_DEPTH) {
      this.flags = VALUE_TOO_DEEP;
      return null;
    }
    if (present === 0) return null;
    if (present & STRING) return string;
    if (present & INT) return int;
    if (present & BOOL) return bool;
    if (present & DOUBLE) return double;
    if (present & ARRAY) {
      this.flags = arrayFlags;
      return array;
    }
    if (present & KVLIST) {
      this.flags = kvlistFlags;
      return kvlist;
    }
    // A copy, so a stored value does not keep the whole request body alive.
    if (present & BYTES) return new Uint8Array(bytes!);
    this.flags = VALUE_STRINDEX;
    return null;
  }

  private arrayValue(depth: number, valueDepth: number): AnyValue[] {
    const r = this.r;
    const outerEnd = this.enter(depth);
    const values: AnyValue[] = [];
    let flags = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        values.push(this.anyValue(depth + 1, valueDepth));
        flags |= this.flags;
      } else {
        this.skip(tag, depth);
      }
    }
    this.leave(outerEnd);
    this.flags = flags;
    return values;
  }

  private kvlistValue(depth: number, valueDepth: number): KvList {
    const outerEnd = this.enter(depth);
    const map = this.keyValuesUntilEnd(depth, valueDepth);
    this.leave(outerEnd);
    return map;
  }

  /** Field 1 of the current message as a repeated KeyValue list, the rest skipped; sets `flags`. */
  private keyValuesUntilEnd(depth: number, valueDepth: number): Attributes {
    const r = this.r;
    const map: Attributes = new Map();
    let flags = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        this.keyValue(map, depth + 1, valueDepth);
        flags |= this.flags;
      } else {
        this.skip(tag, depth);
      }
    }
    this.flags = flags;
    return map;
  }

  /**
   * An int64 varint as a number when safe, else a bigint. The reads and their errors are those of
   * protobufjs's `readLongVarint`, without its LongBits and Long objects.
   */
  private int64(): number | bigint {
    const r = this.r;
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    done: {
      if (r.len - r.pos > 4) {
        for (; i < 4; ++i) {
          lo = (lo | ((buf[r.pos] & 127) << (i * 7))) >>> 0;
          if (buf[r.pos++] < 128) break done;
        }
        lo = (lo | ((buf[r.pos] & 127) << 28)) >>> 0;
        hi = (hi | ((buf[r.pos] & 127) >> 4)) >>> 0;
        if (buf[r.pos++] < 128) break done;
        i = 0;
      } else {
        for (; i < 3; ++i) {
          if (r.pos >= r.len) throw outOfRange(r, 1);
          lo = (lo | ((buf[r.pos] & 127) << (i * 7))) >>> 0;
          if (buf[r.pos++] < 128) break done;
        }
        lo = (lo | ((buf[r.pos++] & 127) << (i * 7))) >>> 0;
        break done;
      }
      for (; i < 5; ++i) {
        if (r.pos >= r.len) throw outOfRange(r, 1);
        hi = (hi | ((buf[r.pos] & 127) << (i * 7 + 3))) >>> 0;
        if (buf[r.pos++] < 128) break done;
      }
      throw Error('invalid varint encoding');
    }
    // As a signed 64-bit value: high * 2^32 is exact, and the sum can only round beyond 2^53.
    const high = hi | 0;
    const n = high * 4294967296 + lo;
    return Number.isSafeInteger(n) ? n : (BigInt(high) << 32n) + BigInt(lo);
  }
}

/**
 * Attribute keys repeat in every span and every request: each is decoded once, then found again by
 * its bytes, which also spares hashing a new string for every map it goes into. Short ASCII keys
 * only (anything else is decoded each time); a slot holds one key, the last one seen there.
 */
class KeyCache {
  private static readonly MAX_LENGTH = 64;
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === 0 || length > KeyCache.MAX_LENGTH) return buf.toString('utf8', start, end);
    const slot = (length * 31 + buf[start] * 7 + buf[end - 1] * 3 + buf[start + (length >> 1)]) & 1023;
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === length && sameAscii(cached, buf, start)) return cached;
    const key = buf.toString('utf8', start, end);
    if (isAscii(key, length)) this.slots[slot] = key;
    return key;
  }
}

const KEYS = new KeyCache();

/** `text` (of `length` ASCII characters) equals the bytes at `start`. */
function sameAscii(text: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** Decoded from `length` bytes, `text` is ASCII when every byte gave one character below 0x80. */
function isAscii(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Why an id read by `OtlpProtobufReader.id()` is unusable, or null. */
export function idProblem(field: string, id: string | number, size: number): string | null {
  return typeof id === 'number' ? `${field}: expected ${size} bytes, got ${id}` : null;
}

/** The message protobufjs's Reader gives a read past the end. */
function outOfRange(r: protobuf.Reader, length: number): RangeError {
  return RangeError(`index out of range: ${r.pos} + ${length || 1} > ${r.len}`);
}
