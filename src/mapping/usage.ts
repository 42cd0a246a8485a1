/**
 * Token counts and cost, each from its ordered sources (first key present wins). Dual-emitted
 * values (`ai.usage.*` next to `gen_ai.usage.*`) are picked by priority, never added. Langfuse
 * sends usage and cost as JSON objects, read after the flat attributes.
 */
import type { TraceRow } from '../model/events.js';
import type { Attributes } from '../model/otlp.js';
import { firstFloat, firstInt, isRecord, structured, toFloat, toInt, type PlainObject } from './attributes.js';

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

const LANGFUSE_USAGE = 'langfuse.observation.usage_details';
const LANGFUSE_COST = 'langfuse.observation.cost_details';
/** Keys of Langfuse `usage_details`: its own names first, then the provider-style ones its integrations pass through. */
const DETAILS: Record<Exclude<keyof Usage, 'cost_usd'>, readonly string[]> = {
  input_tokens: ['input', 'input_tokens', 'prompt_tokens'],
  output_tokens: ['output', 'output_tokens', 'completion_tokens'],
  total_tokens: ['total', 'total_tokens'],
  cache_read_tokens: ['input_cached_tokens', 'cache_read_input_tokens', 'input_cache_read', 'cached_tokens'],
  cache_write_tokens: ['cache_creation_input_tokens', 'input_cache_creation', 'input_cache_write'],
  reasoning_tokens: ['output_reasoning_tokens', 'reasoning_tokens', 'output_reasoning'],
};

/** The reported total; else input + output when both are known (never a half-known sum). */
export function totalTokens(reported: number | null, input: number | null, output: number | null): number | null {
  return reported ?? (input !== null && output !== null ? input + output : null);
}

export function usageOf(attrs: Attributes): Usage {
  const details = objectAt(attrs, LANGFUSE_USAGE);
  const detail = (field: keyof typeof DETAILS) => (details === null ? null : firstOfObject(details, DETAILS[field], toInt));
  const input = firstInt(attrs, INPUT_TOKENS) ?? detail('input_tokens');
  const output = firstInt(attrs, OUTPUT_TOKENS) ?? detail('output_tokens');
  const reportedTotal = firstInt(attrs, TOTAL_TOKENS) ?? detail('total_tokens');
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: totalTokens(reportedTotal, input, output),
    cache_read_tokens: firstInt(attrs, CACHE_READ_TOKENS) ?? detail('cache_read_tokens'),
    cache_write_tokens: firstInt(attrs, CACHE_WRITE_TOKENS) ?? detail('cache_write_tokens'),
    reasoning_tokens: firstInt(attrs, REASONING_TOKENS) ?? detail('reasoning_tokens'),
    cost_usd: firstFloat(attrs, COST_USD) ?? langfuseCost(objectAt(attrs, LANGFUSE_COST)),
  };
}

/** An attribute holding a JSON object (a string or a kvlist); null for anything else. */
function objectAt(attrs: Attributes, key: string): PlainObject | null {
  const value = attrs.get(key);
  if (value === undefined) return null;
  const parsed = structured(value);
  return isRecord(parsed) ? parsed : null;
}

function firstOfObject<T>(object: PlainObject, keys: readonly string[], convert: (v: unknown) => T | null): T | null {
  for (const key of keys) {
    const converted = convert(object[key]);
    if (converted !== null) return converted;
  }
  return null;
}

/** `cost_details.total`, else the sum of its parts (`input`, `output`, …), as Langfuse itself totals them. */
function langfuseCost(details: PlainObject | null): number | null {
  if (details === null) return null;
  const total = toFloat(details.total);
  if (total !== null) return total;
  const parts = Object.values(details)
    .map(toFloat)
    .filter((n): n is number => n !== null);
  return parts.length === 0 ? null : parts.reduce((sum, n) => sum + n, 0);
}
