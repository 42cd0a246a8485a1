import type { AnyValue, Attributes, KvList } from '../../model/otlp.js';
import { type DecodeError, MAX_VALUE_DEPTH, nestingTooDeep } from './decode-errors.js';
import type { Wire } from './wire.js';

/** A value read (or one of its nested values) is nested deeper than MAX_VALUE_DEPTH. */
const VALUE_TOO_DEEP = 1;
/** A value read used `string_value_strindex` or `key_strindex` (profiles-only fields). */
export const VALUE_STRINDEX = 2;

/** The rejection `VALUE_*` flags call for, or null. */
export function valueError(flags: number): DecodeError | null {
  return flags & VALUE_TOO_DEEP ? nestingTooDeep() : null;
}

/** A decoded AnyValue whose `VALUE_*` flags (its own and its nested values') are not 0: rare. */
export class Flagged {
  readonly value: AnyValue;
  readonly flags: number;

  constructor(value: AnyValue, flags: number) {
    this.value = value;
    this.flags = flags;
  }
}

/** The value `anyValue` returned, unwrapped. */
export function valueOf(read: AnyValue | Flagged): AnyValue {
  return read instanceof Flagged ? read.value : read;
}

/** The `VALUE_*` flags of what `anyValue` returned. */
export function flagsOf(read: AnyValue | Flagged): number {
  return read instanceof Flagged ? read.flags : 0;
}

// AnyValue oneof members, in the order the model gives them precedence when several are present.
const STRING = 1;
const INT = 2;
const BOOL = 4;
const DOUBLE = 8;
const ARRAY = 16;
const KVLIST = 32;
const BYTES = 64;
const STRINDEX = 128;

/**
 * One item of a repeated KeyValue field into `map`, `depth` messages below the request, its value
 * at nesting level `valueDepth` (an attribute's own value is level 1); returns its `VALUE_*` flags.
 */
export function keyValue(w: Wire, map: Attributes, depth: number, valueDepth: number): number {
  const outerEnd = w.enter(depth);
  let key = '';
  let value: AnyValue | Flagged = null;
  let keyStrindex = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        key = w.key();
        break;
      case 2:
        value = anyValue(w, depth + 1, valueDepth);
        break;
      case 3:
        keyStrindex = w.int32();
        break;
      default:
        w.skipField(tag, depth);
    }
  }
  w.leave(outerEnd);
  map.set(key, valueOf(value));
  return keyStrindex === 0 ? flagsOf(value) : flagsOf(value) | VALUE_STRINDEX;
}

/**
 * One AnyValue message whose value sits at nesting level `valueDepth`, wrapped only when it has
 * flags (an object per value measured slower). With several oneof members on the wire, the first
 * in the model's order wins; a repeated member keeps its last occurrence.
 */
export function anyValue(w: Wire, depth: number, valueDepth: number): AnyValue | Flagged {
  const outerEnd = w.enter(depth);
  let present = 0;
  let string = '';
  let int: number | bigint = 0;
  let bool = false;
  let double = 0;
  let array: AnyValue[] | null = null;
  let arrayFlags = 0;
  let kvlist: KvList | null = null;
  let kvlistFlags = 0;
  let bytes: Uint8Array | null = null;
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        string = w.string();
        present |= STRING;
        break;
      case 2:
        bool = w.bool();
        present |= BOOL;
        break;
      case 3:
        int = w.int64Value();
        present |= INT;
        break;
      case 4:
        double = w.double();
        present |= DOUBLE;
        break;
      case 5:
        array = [];
        arrayFlags = arrayValue(w, array, depth + 1, valueDepth + 1);
        present |= ARRAY;
        break;
      case 6:
        kvlist = new Map();
        kvlistFlags = kvlistValue(w, kvlist, depth + 1, valueDepth + 1);
        present |= KVLIST;
        break;
      case 7:
        bytes = w.bytes();
        present |= BYTES;
        break;
      case 8:
        w.int32();
        present |= STRINDEX;
        break;
      default:
        w.skipField(tag, depth);
    }
  }
  w.leave(outerEnd);
  if (valueDepth > MAX_VALUE_DEPTH) return TOO_DEEP;
  if (present === 0) return null;
  if (present & STRING) return string;
  if (present & INT) return int;
  if (present & BOOL) return bool;
  if (present & DOUBLE) return double;
  if (present & ARRAY) return arrayFlags === 0 ? array : new Flagged(array, arrayFlags);
  if (present & KVLIST) return kvlistFlags === 0 ? kvlist : new Flagged(kvlist, kvlistFlags);
  // A copy, so a stored value does not keep the whole request body alive.
  if (present & BYTES) return new Uint8Array(bytes!);
  return STRINDEX_ONLY;
}

const TOO_DEEP = new Flagged(null, VALUE_TOO_DEEP);
const STRINDEX_ONLY = new Flagged(null, VALUE_STRINDEX);

/** An ArrayValue's values into `values`; returns their flags. */
function arrayValue(w: Wire, values: AnyValue[], depth: number, valueDepth: number): number {
  const outerEnd = w.enter(depth);
  let flags = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    if (tag >>> 3 === 1) {
      const item = anyValue(w, depth + 1, valueDepth);
      values.push(valueOf(item));
      flags |= flagsOf(item);
    } else {
      w.skipField(tag, depth);
    }
  }
  w.leave(outerEnd);
  return flags;
}

/** A KeyValueList message into `map`; returns the flags of its values. */
function kvlistValue(w: Wire, map: KvList, depth: number, valueDepth: number): number {
  const outerEnd = w.enter(depth);
  let flags = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    if (tag >>> 3 === 1) flags |= keyValue(w, map, depth + 1, valueDepth);
    else w.skipField(tag, depth);
  }
  w.leave(outerEnd);
  return flags;
}
