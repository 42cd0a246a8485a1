import { contentTexts, type ContentBlocks } from './content.js';
import { MAX_ITEMS_PER_SPAN } from './limits.js';

/**
 * How GenAI content that arrived as log records fills its span's `traces` row.
 *
 * Span content wins: for each direction (input, output), text the span carried itself is kept and
 * the waiting records' content for that direction is dropped (counted as superseded). System
 * instructions alone are not the span's input: a span that carries only them holds them as an
 * already joined record (see `ContentRow.fromSpan`), so the messages of its log records join them. Log content
 * owns a direction once it has filled it, and re-renders it from all records on every later one.
 * The first MAX_ITEMS_PER_SPAN records (in message order) are used.
 */

/** A content record as held for its span. */
export interface HeldContent extends ContentBlocks {
  /** Merged into the span's row already. */
  joined: boolean;
  kind: 'content' | 'exception';
}

/** The traces row's own text, per direction. */
export interface SpanText {
  hasInput: boolean;
  hasOutput: boolean;
}

export type DirectionPlan =
  /** Log content fills the direction: this text replaces the row's. */
  | { action: 'write'; text: string | null }
  /** The span's own text stays: the waiting records' blocks for this direction are dropped. */
  | { action: 'drop' }
  | { action: 'keep' };

/** What merging does; every waiting record becomes joined. */
export interface JoinPlan {
  input: DirectionPlan;
  output: DirectionPlan;
  /** Waiting records whose content was dropped. */
  superseded: number;
  /** An exception record was waiting: its `errors` row gets the span's `trace_id` as `llm_trace_id`. */
  linkErrors: boolean;
}

/** The merge of a span's records (in message order) into its row; null when none is waiting. */
export function planContentJoin(records: readonly HeldContent[], span: SpanText): JoinPlan | null {
  const used = records.length > MAX_ITEMS_PER_SPAN ? records.slice(0, MAX_ITEMS_PER_SPAN) : records;
  const waiting = used.filter((r) => !r.joined);
  if (waiting.length === 0) return null;
  const hasInput = (r: HeldContent) => r.system.length > 0 || r.input.length > 0;
  const hasOutput = (r: HeldContent) => r.output.length > 0;
  const write = (has: (r: HeldContent) => boolean, spanHasText: boolean) =>
    waiting.some(has) && (!spanHasText || used.some((r) => r.joined && has(r)));
  const writeInput = write(hasInput, span.hasInput);
  const writeOutput = write(hasOutput, span.hasOutput);
  const dropInput = !writeInput && span.hasInput;
  const dropOutput = !writeOutput && span.hasOutput;
  const texts = writeInput || writeOutput ? contentTexts(used) : { input: null, output: null };
  const plan = (writes: boolean, drops: boolean, text: string | null): DirectionPlan =>
    writes ? { action: 'write', text } : drops ? { action: 'drop' } : { action: 'keep' };
  return {
    input: plan(writeInput, dropInput, texts.input),
    output: plan(writeOutput, dropOutput, texts.output),
    superseded: waiting.filter((r) => (dropInput && hasInput(r)) || (dropOutput && hasOutput(r))).length,
    linkErrors: waiting.some((r) => r.kind === 'exception'),
  };
}
