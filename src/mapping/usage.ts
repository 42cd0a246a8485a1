/**
 * Token counts and cost, each from its ordered sources (first key present wins). Dual-emitted
 * values (`ai.usage.*` next to `gen_ai.usage.*`) are picked by priority, never added.
 */
import type { TraceRow } from '../model/events.js';
import type { Attributes } from '../model/otlp.js';
import { firstFloat, firstInt } from './attributes.js';

export type Usage = Pick<
  TraceRow,
  'input_tokens' | 'output_tokens' | 'total_tokens' | 'cache_read_tokens' | 'cache_write_tokens' | 'reasoning_tokens' | 'cost_usd'
>;

const INPUT_TOKENS = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
];
const OUTPUT_TOKENS = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
const TOTAL_TOKENS = [
  'gen_ai.usage.total_tokens',
  'llm.usage.total_tokens',
  'llm.token_count.total',
  'ai.usage.totalTokens',
  'ai.usage.tokens',
];
const CACHE_READ_TOKENS = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
  'gen_ai.usage.prompt_tokens_details.cached_tokens',
];
const CACHE_WRITE_TOKENS = [
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
const REASONING_TOKENS = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];
/** USD as reported by the client (OpenLIT, OpenInference, Pydantic AI); no pricing here. */
const COST_USD = ['gen_ai.usage.cost', 'llm.cost.total', 'operation.cost'];

/** The reported total; else input + output when both are known (never a half-known sum). */
export function totalTokens(reported: number | null, input: number | null, output: number | null): number | null {
  return reported ?? (input !== null && output !== null ? input + output : null);
}

export function usageOf(attrs: Attributes): Usage {
  const input = firstInt(attrs, INPUT_TOKENS);
  const output = firstInt(attrs, OUTPUT_TOKENS);
  const reportedTotal = firstInt(attrs, TOTAL_TOKENS);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: totalTokens(reportedTotal, input, output),
    cache_read_tokens: firstInt(attrs, CACHE_READ_TOKENS),
    cache_write_tokens: firstInt(attrs, CACHE_WRITE_TOKENS),
    reasoning_tokens: firstInt(attrs, REASONING_TOKENS),
    cost_usd: firstFloat(attrs, COST_USD),
  };
}
