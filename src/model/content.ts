/**
 * How conversation text is assembled from rendered message blocks: the same for a span's own
 * messages and for its content log records, so log-borne content reads exactly like span-borne.
 */

export const BLOCK_SEPARATOR = '\n\n';
/** Between choices of one output (several `gen_ai.output.messages`, `gen_ai.choice` events…). */
export const CHOICE_SEPARATOR = '\n\n---\n\n';

/** The rendered blocks of one content record. */
export interface ContentBlocks {
  system: readonly string[];
  input: readonly string[];
  output: readonly string[];
}

/**
 * The input and output text of a span from its content records, given in message order.
 * Input: every record's system instructions first (each distinct block once), then the other input messages; output: the
 * output messages. null when there is nothing to show (as for a span without content).
 */
export function contentTexts(records: readonly ContentBlocks[]): { input: string | null; output: string | null } {
  // The same instructions from the span and from its log record are shown once.
  const system = [...new Set(records.flatMap((r) => r.system))];
  const input = [...system, ...records.flatMap((r) => r.input)].join(BLOCK_SEPARATOR);
  const output = records.flatMap((r) => r.output).join(CHOICE_SEPARATOR);
  return { input: input === '' ? null : input, output: output === '' ? null : output };
}
