import { describe, expect, it } from 'vitest';
import { repeatsChildCall, type CallFacts } from '../../src/model/double-tracing.js';
import { modelFamily } from '../../src/model/model-name.js';

const call = (overrides: Partial<CallFacts> = {}): CallFacts => ({
  kind: 'llm',
  model: 'gpt-4o',
  request_model: 'gpt-4o',
  input_tokens: 20,
  output_tokens: 5,
  total_tokens: 25,
  start_time: 1000,
  end_time: 2000,
  ...overrides,
});

describe('a call traced twice', () => {
  it('is the same call with the same model family and tokens, wherever the child lies in time', () => {
    expect(repeatsChildCall(call(), [call({ model: 'gpt-4o-2024-08-06', start_time: 5000, end_time: 6000 })])).toBe(true);
    expect(repeatsChildCall(call({ kind: 'embedding' }), [call({ kind: 'embedding', request_model: null, model: null })])).toBe(true);
  });

  it('is the same call when the only model-call child lies within the parent, whatever its tokens', () => {
    const tool = call({ kind: 'tool', model: null, request_model: null });
    expect(
      repeatsChildCall(call({ input_tokens: null, output_tokens: null, total_tokens: null }), [
        call({ start_time: 1100, end_time: 1900 }),
        tool,
      ]),
    ).toBe(true);
    expect(repeatsChildCall(call(), [call({ input_tokens: 21, start_time: 1100, end_time: 2100 })])).toBe(false);
  });

  it('is not the same call when tokens or model families differ and another model call is a child too', () => {
    const inside = { start_time: 1100, end_time: 1900 };
    expect(repeatsChildCall(call(), [call({ ...inside, input_tokens: 7 }), call({ ...inside, input_tokens: 8 })])).toBe(false);
    expect(repeatsChildCall(call(), [call({ model: 'gpt-4o-mini', request_model: 'gpt-4o-mini', start_time: 0, end_time: 9 })])).toBe(
      false,
    );
  });

  it('only concerns model calls', () => {
    expect(repeatsChildCall(call({ kind: 'agent' }), [call()])).toBe(false);
    expect(repeatsChildCall(call(), [call({ kind: 'tool' })])).toBe(false);
    expect(repeatsChildCall(call(), [])).toBe(false);
  });

  it.each([
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet@20240620', 'claude-3-5-sonnet'],
    ['models/gemini-1.5-pro', 'gemini-1.5-pro'],
    ['OpenAI/GPT-4o-latest', 'gpt-4o'],
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet'],
    ['gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['gemini-2.0-flash-exp', 'gemini-2.0-flash'],
    ['llama-3.1-405b', 'llama-3.1-405b'],
  ])('model family of %s is %s', (name, family) => {
    expect(modelFamily(name)).toBe(family);
  });
});
