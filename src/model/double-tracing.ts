import type { TraceKind, TraceRow } from './events.js';
import { modelFamily } from './model-name.js';

/**
 * A model call traced twice: some provider SDKs emit their own GenAI span beneath an
 * instrumentation library's span for the same HTTP call, both with the call's tokens. The parent
 * is then marked `is_aggregate = 1`, so usage summed over `is_aggregate = 0` counts the call once.
 *
 * A model-call row (kind llm or embedding) repeats its direct child when that child is a
 * model-call row of the same call: the same model family and the same token counts, or, when the
 * parent has no other model-call child, a child that lies within the parent's time. The decision
 * depends only on the parent and its children, so storage can re-evaluate it whenever either
 * arrives, in any order and in any request, and every engine reaches the same rows.
 */

/** The columns of a traces row the rule reads. */
export type CallFacts = Pick<
  TraceRow,
  'kind' | 'model' | 'request_model' | 'input_tokens' | 'output_tokens' | 'total_tokens' | 'start_time' | 'end_time'
>;

export const MODEL_CALL_KINDS: readonly TraceKind[] = ['llm', 'embedding'];

export const isModelCall = (kind: TraceKind) => MODEL_CALL_KINDS.includes(kind);

/** Whether `parent` is the same model call as one of its direct `children`: its is_aggregate. */
export function repeatsChildCall(parent: CallFacts, children: readonly CallFacts[]): boolean {
  if (!isModelCall(parent.kind)) return false;
  const calls = children.filter((child) => isModelCall(child.kind));
  if (calls.some((child) => sameModelFamily(parent, child) && sameTokens(parent, child))) return true;
  return calls.length === 1 && within(calls[0], parent);
}

/** A side that names no model does not contradict the other. */
function sameModelFamily(a: CallFacts, b: CallFacts): boolean {
  const familiesA = families(a);
  const familiesB = families(b);
  return familiesA.length === 0 || familiesB.length === 0 || familiesA.some((family) => familiesB.includes(family));
}

function families(call: CallFacts): string[] {
  return [call.model, call.request_model].filter((name): name is string => name !== null).map(modelFamily);
}

/** Some count is known on both sides, and none that both know differs. */
function sameTokens(a: CallFacts, b: CallFacts): boolean {
  const pairs = [
    [a.input_tokens, b.input_tokens],
    [a.output_tokens, b.output_tokens],
    [a.total_tokens, b.total_tokens],
  ].filter(([x, y]) => x !== null && y !== null);
  return pairs.length > 0 && pairs.every(([x, y]) => x === y);
}

function within(child: CallFacts, parent: CallFacts): boolean {
  if (child.end_time === null || parent.end_time === null) return false;
  return child.start_time >= parent.start_time && child.end_time <= parent.end_time;
}
