import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CostCalculator, costOf } from '../../src/mapping/cost.js';
import { loadPriceTable, type ModelPrice } from '../../src/mapping/price-table.js';
import { tempDir } from '../helpers.js';
import type { TraceRow } from '../../src/model/events.js';
import { traceEvent } from '../factories.js';

const traceRow = (overrides: Partial<TraceRow>) => traceEvent({ cost_usd: null, ...overrides }).row as TraceRow;

const shipped = loadPriceTable(null);
const costs = new CostCalculator(shipped);
const price = (provider: string | null, model: string) => costs.priceOf(provider, model)?.model ?? null;

function writeTable(models: unknown): string {
  const file = path.join(tempDir(), 'prices.json');
  fs.writeFileSync(file, JSON.stringify({ models }));
  return file;
}

describe('the shipped price table', () => {
  it('covers at least 60 models of the named families, each with a date and a public source', () => {
    expect(shipped.shipped.length).toBeGreaterThanOrEqual(60);
    const providers = new Set(shipped.shipped.flatMap((p) => p.providers));
    for (const p of ['openai', 'anthropic', 'gcp.gemini', 'mistral_ai', 'deepseek', 'aws.bedrock', 'groq']) expect(providers).toContain(p);
    expect(shipped.shipped.some((p) => p.model.includes('llama'))).toBe(true);
    for (const p of shipped.shipped) {
      expect(p.as_of, p.model).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(p.source, p.model).toMatch(/^https:\/\//);
    }
  });

  it('holds each family once per provider', () => {
    const keys = shipped.shipped.flatMap((p) => p.providers.map((provider) => `${provider} ${p.model}`));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('matching a model name to its family', () => {
  it.each([
    ['openai', 'gpt-4o', 'gpt-4o'],
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'GPT-4.1-Nano', 'gpt-4.1-nano'],
    ['openai', 'o3-mini-2025-01-31', 'o3-mini'],
    ['azure.ai.openai', 'gpt-4o', 'gpt-4o'],
    [null, 'openai/gpt-4o', 'gpt-4o'],
    ['anthropic', 'claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gcp.vertex_ai', 'claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet'],
    ['aws.bedrock', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude-3-7-sonnet'],
    [null, 'anthropic.claude-3-haiku-20240307-v1:0', 'claude-3-haiku'],
    ['aws.bedrock', 'amazon.nova-pro-v1:0', 'nova-pro'],
    ['aws.bedrock', 'meta.llama3-1-70b-instruct-v1:0', 'llama3-1-70b-instruct'],
    ['gcp.gemini', 'models/gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['gcp.gemini', 'gemini-2.5-flash-preview-05-20', 'gemini-2.5-flash'],
    ['gcp.gemini', 'gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['mistral_ai', 'mistral-large-2411', 'mistral-large'],
    ['mistral_ai', 'mistral-small-latest', 'mistral-small'],
    ['deepseek', 'deepseek-chat', 'deepseek-chat'],
    ['groq', 'llama-3.3-70b-versatile', 'llama-3.3-70b-versatile'],
    ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 'llama-3.3-70b-instruct-turbo'],
  ])('%s %s → %s', (provider, model, family) => {
    expect(price(provider, model)).toBe(family);
  });

  it.each([
    ['openai', 'gpt-4o-audio-preview', 'a variant priced differently is not its base family'],
    ['openai', 'my-fine-tune', 'an unknown model'],
    ['anthropic', 'gpt-4o', 'a family its provider does not sell'],
    ['openrouter', 'gpt-4o', 'a provider the table does not know'],
    [null, 'llama-4-scout-17b-16e-instruct', 'a family two hosts sell at different prices, with no provider to choose'],
  ])('%s %s → no price (%s)', (provider, model, _why) => {
    expect(price(provider, model)).toBeNull();
  });

  it("consults the user's table first, and adds models to the shipped ones", () => {
    const user = loadPriceTable(
      writeTable([
        { model: 'gpt-4o', providers: ['openai'], input: 1, output: 2 },
        { model: 'our-model', providers: ['vllm'], input: 0.5, output: 0.5 },
      ]),
    );
    const own = new CostCalculator(user);
    expect(own.priceOf('openai', 'gpt-4o-2024-08-06')).toMatchObject({ input: 1, output: 2 });
    expect(own.priceOf('vllm', 'our-model')).toMatchObject({ input: 0.5 });
    expect(own.priceOf('openai', 'gpt-4o-mini')).toMatchObject({ input: 0.15 });
  });

  it('rejects a malformed price file with one line saying where and what', () => {
    expect(() => loadPriceTable(writeTable([{ model: 'x', providers: ['p'], input: 'cheap', output: 1 }]))).toThrow(
      /^price table .*prices\.json: models\.0\.input must be number$/,
    );
    expect(() => loadPriceTable(writeTable([{ model: 'x', providers: [], input: 1, output: 1 }]))).toThrow(/models\.0\.providers/);
    const broken = path.join(tempDir(), 'broken.json');
    fs.writeFileSync(broken, '{"models": [');
    expect(() => loadPriceTable(broken)).toThrow(/^price table .*broken\.json: .*JSON/);
    expect(() => loadPriceTable('/nonexistent/prices.json')).toThrow(/ENOENT/);
  });
});

describe('the arithmetic', () => {
  const p: ModelPrice = { model: 'm', providers: ['x'], input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 };
  const tokens = (input: number | null, output: number | null, cacheRead: number | null = null, cacheWrite: number | null = null) => ({
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
  });

  it('prices input and output per million tokens', () => {
    expect(costOf(p, tokens(1_000_000, 1_000_000))).toBeCloseTo(18, 12);
    expect(costOf(p, tokens(100, null))).toBeCloseTo(0.0003, 12);
  });

  it('takes cached tokens out of input_tokens, as OTel counts them inside it', () => {
    // 10,000 input of which 8,000 read from and 1,000 written to the cache: 1,000 uncached.
    expect(costOf(p, tokens(10_000, 500, 8_000, 1_000))).toBeCloseTo((1_000 * 3 + 8_000 * 0.3 + 1_000 * 3.75 + 500 * 15) / 1e6, 12);
  });

  it('adds cached tokens when input_tokens leaves them out (older Anthropic instrumentations)', () => {
    expect(costOf(p, tokens(20, 500, 8_000, 1_000))).toBeCloseTo((20 * 3 + 8_000 * 0.3 + 1_000 * 3.75 + 500 * 15) / 1e6, 12);
  });

  it('charges cached tokens the input price when the table gives no cache price', () => {
    const plain: ModelPrice = { model: 'm', providers: ['x'], input: 2, output: 8 };
    expect(costOf(plain, tokens(1_000, 0, 600))).toBeCloseTo(2_000 / 1e6, 12);
  });
});

describe('CostCalculator.apply', () => {
  it('keeps a reported cost and says so', () => {
    const row = traceRow({ cost_usd: 0.5, model: 'gpt-4o', provider: 'openai', input_tokens: 10 });
    costs.apply(row);
    expect([row.cost_usd, row.cost_source]).toEqual([0.5, 'reported']);
  });

  it('fills the cost of a priced model from its tokens', () => {
    const row = traceRow({
      model: 'gpt-4o-mini-2024-07-18',
      request_model: 'gpt-4o-mini',
      provider: 'openai',
      input_tokens: 1000,
      output_tokens: 200,
    });
    costs.apply(row);
    expect(row.cost_source).toBe('price_table');
    expect(row.cost_usd).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
  });

  it('falls back to the requested model, and leaves rows without tokens or a known model alone', () => {
    const requested = traceRow({ model: null, request_model: 'claude-3-haiku', provider: 'anthropic', input_tokens: 4, output_tokens: 0 });
    costs.apply(requested);
    expect(requested.cost_source).toBe('price_table');
    for (const init of [
      { model: 'gpt-4o', provider: 'openai', input_tokens: null, output_tokens: null },
      { model: 'unknown-model', provider: 'openai', input_tokens: 5, output_tokens: 5 },
    ]) {
      const row = traceRow(init);
      costs.apply(row);
      expect([row.cost_usd, row.cost_source]).toEqual([null, null]);
    }
  });
});
