import type { Attributes, Scope } from '../../model/otlp.js';
import { keyValue, VALUE_STRINDEX, valueError } from './any-value.js';
import { DecodeError, protobufProblem, warnStrindex } from './decode-errors.js';
import { Wire } from './wire.js';

/**
 * The OTLP/protobuf envelope traces and logs share, read in one pass like protobufjs's generated
 * code for proto/: fields are told apart by number only, unknown ones skipped, and a later singular
 * field replaces the earlier one. Structural errors are thrown as met. What the model refuses (a
 * wrong-length id, a value nested too deep) is thrown only after the whole body, first problem
 * first, in the order of the reflection walk this replaced: per item, `endItem` is given the item's
 * checks in that order; a resource's attributes come after its items.
 */
export class OtlpProtobufReader {
  readonly wire: Wire;
  /** Non-fatal oddities for the request's `warnings`. */
  readonly warnings: string[] = [];
  /** The request's field names, for error paths: resource group, scope group, item. */
  readonly #names: readonly [string, string, string];
  #rejection: DecodeError | null = null;
  /** The first rejection among the items of the resource group being read. */
  #itemRejection: DecodeError | null = null;
  #resourceIndex = 0;
  #scopeIndex = 0;
  #itemIndex = 0;

  constructor(body: Uint8Array, names: readonly [string, string, string]) {
    this.wire = new Wire(body);
    this.#names = names;
  }

  /**
   * Reads the request: resource groups of scope groups of items read by `readItem`, shaped by
   * `scopeGroup` and `resourceGroup`. Then throws the first rejection, if any.
   */
  readRequest<T, S, R>(
    readItem: () => T,
    scopeGroup: (scope: Scope, items: T[]) => S,
    resourceGroup: (resource: Attributes, groups: S[]) => R,
  ): R[] {
    const w = this.wire;
    const groups: R[] = [];
    try {
      while (w.pos < w.len) {
        const tag = w.uint32();
        if (tag >>> 3 === 1) {
          this.#resourceIndex = groups.length;
          groups.push(this.#resourceGroup(readItem, scopeGroup, resourceGroup));
        } else {
          w.skipField(tag, 0);
        }
      }
    } catch (err) {
      throw protobufProblem(err);
    }
    if (this.#rejection !== null) throw this.#rejection;
    return groups;
  }

  /**
   * Ends an item: `error` (its first problem, its checks joined with `??` in the walk's order)
   * counts unless an earlier item had one; `flags` are the `VALUE_*` flags of its values.
   */
  endItem(error: DecodeError | null, flags: number): void {
    if (this.#itemRejection === null) this.#itemRejection = error;
    if (flags & VALUE_STRINDEX) warnStrindex(this.warnings);
  }

  /** The rejection for the current item's ids (as `Wire.id` reads them), or null. */
  idError(traceId: string | number, spanId: string | number, parentSpanId: string | number = ''): DecodeError | null {
    const problem = idProblem('traceId', traceId, 16) ?? idProblem('spanId', spanId, 8) ?? idProblem('parentSpanId', parentSpanId, 8);
    if (problem === null) return null;
    const [group, scope, item] = this.#names;
    return new DecodeError(`${group}[${this.#resourceIndex}].${scope}[${this.#scopeIndex}].${item}[${this.#itemIndex}].${problem}`);
  }

  /** A ResourceSpans / ResourceLogs message: resource (1), scope groups (2), schema_url (3). */
  #resourceGroup<T, S, R>(
    readItem: () => T,
    scopeGroup: (scope: Scope, items: T[]) => S,
    resourceGroup: (resource: Attributes, groups: S[]) => R,
  ): R {
    const w = this.wire;
    const outerEnd = w.enter(RESOURCE_GROUP);
    let resource: Attributes = new Map();
    let resourceFlags = 0;
    const groups: S[] = [];
    this.#itemRejection = null;
    while (w.pos < w.len) {
      const tag = w.uint32();
      switch (tag >>> 3) {
        case 1:
          resource = new Map();
          resourceFlags = resourceAttributes(w, resource);
          break;
        case 2:
          this.#scopeIndex = groups.length;
          groups.push(this.#scopeGroup(readItem, scopeGroup));
          break;
        case 3: // schema_url
          w.skipString();
          break;
        default:
          w.skipField(tag, RESOURCE_GROUP);
      }
    }
    w.leave(outerEnd);
    this.#reject(this.#itemRejection ?? valueError(resourceFlags));
    if (resourceFlags & VALUE_STRINDEX) warnStrindex(this.warnings);
    return resourceGroup(resource, groups);
  }

  /** A ScopeSpans / ScopeLogs message: scope (1), items (2), schema_url (3). */
  #scopeGroup<T, S>(readItem: () => T, scopeGroup: (scope: Scope, items: T[]) => S): S {
    const w = this.wire;
    const outerEnd = w.enter(SCOPE_GROUP);
    let scope: Scope = { name: '', version: '' };
    const items: T[] = [];
    while (w.pos < w.len) {
      const tag = w.uint32();
      switch (tag >>> 3) {
        case 1:
          scope = readScope(w);
          break;
        case 2:
          this.#itemIndex = items.length;
          items.push(readItem());
          break;
        case 3: // schema_url
          w.skipString();
          break;
        default:
          w.skipField(tag, SCOPE_GROUP);
      }
    }
    w.leave(outerEnd);
    return scopeGroup(scope, items);
  }

  #reject(error: DecodeError | null): void {
    if (this.#rejection === null) this.#rejection = error;
  }
}

// Message depths below the request, as protobufjs counts them; the items are at depth 3.
const RESOURCE_GROUP = 1; // ResourceSpans, ResourceLogs
const RESOURCE = 2;
const SCOPE_GROUP = 2; // ScopeSpans, ScopeLogs
const SCOPE = 3;

/** A Resource message's attributes into `attributes`; returns their `VALUE_*` flags. */
function resourceAttributes(w: Wire, attributes: Attributes): number {
  const outerEnd = w.enter(RESOURCE);
  let flags = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        flags |= keyValue(w, attributes, RESOURCE + 1, 1);
        break;
      case 2: // dropped_attributes_count
        w.uint32();
        break;
      default:
        w.skipField(tag, RESOURCE);
    }
  }
  w.leave(outerEnd);
  return flags;
}

/** An InstrumentationScope: name and version; its attributes are read but not kept. */
function readScope(w: Wire): Scope {
  const outerEnd = w.enter(SCOPE);
  const scope: Scope = { name: '', version: '' };
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        scope.name = w.string();
        break;
      case 2:
        scope.version = w.string();
        break;
      case 3: // attributes
        keyValue(w, new Map(), SCOPE + 1, 1);
        break;
      case 4: // dropped_attributes_count
        w.uint32();
        break;
      default:
        w.skipField(tag, SCOPE);
    }
  }
  w.leave(outerEnd);
  return scope;
}

/** Why an id read by `Wire.id` is unusable, or null. */
function idProblem(field: string, id: string | number, size: number): string | null {
  return typeof id === 'number' ? `${field}: expected ${size} bytes, got ${id}` : null;
}
