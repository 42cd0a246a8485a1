/**
 * `cost_usd` from the price table for rows that report tokens but no cost. The model name is
 * matched to a family (`gpt-4o-2024-08-06` → `gpt-4o`, `openai/gpt-4o` → `gpt-4o` sold by openai,
 * Bedrock's `us.anthropic.claude-…-v1:0` → `claude-…`), the longest family name winning; a
 * family sold by several providers at different prices is priced only when the row's provider says
 * which. No match: no cost, never a guess.
 */
import type { TraceRow } from '../model/events.js';
import { splitModelName, VERSION_SUFFIX } from '../model/model-name.js';
import type { ModelPrice, PriceTable } from './price-table.js';

const CACHE_LIMIT = 1_000;

export class CostCalculator {
  readonly #table: PriceTable;
  /** provider + model → price; most deployments use a handful of models. */
  readonly #cache = new Map<string, ModelPrice | null>();

  constructor(table: PriceTable) {
    this.#table = table;
  }

  /** Sets `cost_source`, and `cost_usd` from the table when the row has tokens but no reported cost. */
  apply(row: TraceRow): void {
    if (row.cost_usd !== null) {
      row.cost_source = 'reported';
      return;
    }
    if (row.input_tokens === null && row.output_tokens === null) return;
    const model = row.model ?? row.request_model;
    const price = model === null ? null : this.priceOf(row.provider, model);
    if (price === null) return;
    row.cost_usd = costOf(price, row);
    row.cost_source = 'price_table';
  }

  priceOf(provider: string | null, model: string): ModelPrice | null {
    const key = `${provider ?? ''}\n${model}`;
    let price = this.#cache.get(key);
    if (price === undefined) {
      price = this.#lookup(provider, model);
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(key, price);
    }
    return price;
  }

  #lookup(provider: string | null, model: string): ModelPrice | null {
    const { name, provider: prefixed } = splitModelName(model);
    const sellers = provider ?? prefixed;
    return bestMatch(this.#table.user, name, sellers) ?? bestMatch(this.#table.shipped, name, sellers);
  }
}

/** USD for the row's tokens. OTel counts cached tokens inside input_tokens; older Anthropic instrumentations do not (then input is smaller than the cache counts). */
export function costOf(
  price: ModelPrice,
  tokens: Pick<TraceRow, 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens'>,
): number {
  const input = tokens.input_tokens ?? 0;
  const cacheRead = tokens.cache_read_tokens ?? 0;
  const cacheWrite = tokens.cache_write_tokens ?? 0;
  const uncached = input >= cacheRead + cacheWrite ? input - cacheRead - cacheWrite : input;
  const usd =
    uncached * price.input +
    cacheRead * (price.cache_read ?? price.input) +
    cacheWrite * (price.cache_write ?? price.input) +
    (tokens.output_tokens ?? 0) * price.output;
  return usd / 1_000_000;
}

/** The longest family name that `name` is a version of, sold by `provider`; with no provider, only if every seller agrees on the price. */
function bestMatch(prices: readonly ModelPrice[], name: string, provider: string | null): ModelPrice | null {
  let best: ModelPrice[] = [];
  for (const p of prices) {
    if (!name.startsWith(p.model) || !VERSION_SUFFIX.test(name.slice(p.model.length))) continue;
    if (provider !== null && !p.providers.includes(provider)) continue;
    if (best.length === 0 || p.model.length > best[0].model.length) best = [p];
    else if (p.model.length === best[0].model.length) best.push(p);
  }
  if (best.length === 0) return null;
  const [first] = best;
  const samePrice = best.every(
    (p) => p.input === first.input && p.output === first.output && p.cache_read === first.cache_read && p.cache_write === first.cache_write,
  );
  return samePrice ? first : null;
}
