/**
 * Rebuilds flattened, indexed attribute lists (`gen_ai.prompt.0.role`,
 * `llm.input_messages.3.message.tool_calls.0.tool_call.id`) into ordered arrays.
 *
 * Indexes can be sparse or adversarial (`llm.input_messages.999999.message.content`), so items
 * are collected by index and sorted — never placed with `new Array(index)` — and capped.
 */
import { MAX_ITEMS_PER_SPAN as MAX_ITEMS } from '../model/limits.js';
import type { Attributes } from '../model/otlp.js';
import { emptyObject, isRecord, toPlain, type PlainObject } from './attributes.js';

/** Keys nested deeper than this below the prefix are ignored (bounds recursion). */
const MAX_SEGMENTS = 16;
const INDEX = /^\d+$/;

/**
 * `keys` all start with `prefix` followed by an index. Returns the items ordered by index; every
 * nested list with numeric segments becomes an ordered array too.
 */
export function unflattenIndexed(attrs: Attributes, keys: readonly string[], prefix: string): unknown[] {
  const root = emptyObject();
  for (const key of keys) {
    const path = key.slice(prefix.length).split('.', MAX_SEGMENTS + 1);
    if (path.length > MAX_SEGMENTS) continue;
    setPath(root, path, toPlain(attrs.get(key)));
  }
  const items = finalize(root);
  return Array.isArray(items) ? items : [];
}

function setPath(root: PlainObject, path: string[], value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const existing = node[path[i]];
    if (existing === undefined) {
      const child = emptyObject();
      node[path[i]] = child;
      node = child;
    } else if (isRecord(existing)) {
      node = existing;
    } else {
      return; // a scalar already sits where a branch should go: keep the scalar
    }
  }
  const last = path[path.length - 1];
  if (!isRecord(node[last])) node[last] = value;
}

/** Objects whose keys are all indexes become arrays ordered by index. */
function finalize(node: unknown): unknown {
  if (!isRecord(node)) return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((key) => INDEX.test(key))) {
    return keys
      .map((key) => [Number(key), key] as const)
      .sort((a, b) => a[0] - b[0])
      .slice(0, MAX_ITEMS)
      .map(([, key]) => finalize(node[key]));
  }
  for (const key of keys) node[key] = finalize(node[key]);
  return node;
}
