/** Real-world and adversarial attribute shapes. */
import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../src/model/otlp.js';
import { jsonObject, map, mapOne, request, traceRows } from './fixtures.js';

const CHAT = { 'gen_ai.operation.name': 'chat' };

describe('numbers of any wire type', () => {
  it.each([
    ['a number', 27, 27],
    ['a bigint', 27n, 27],
    ['a decimal string', '27', 27],
    ['an integral double', 27.0, 27],
    ['a string with a zero fraction', '27.0', 27],
    ['a fractional double', 27.5, null],
    ['text', 'abc', null],
    ['a negative number', -1, null],
    ['a negative string', '-1', null],
    ['NaN', Number.NaN, null],
    ['an array', [27], null],
  ])('reads input tokens given as %s', (_name, value, expected) => {
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.usage.input_tokens': value, 'gen_ai.usage.output_tokens': 3 } });
    expect(row.input_tokens).toBe(expected);
    expect(row.total_tokens).toBe(expected === null ? null : expected + 3);
  });

  it('falls through to the next source when the first one is unusable', () => {
    const { row } = mapOne({
      attributes: { ...CHAT, 'gen_ai.usage.input_tokens': 'n/a', 'llm.token_count.prompt': '12' },
    });
    expect(row.input_tokens).toBe(12);
  });

  it('does not compute a total from one side only', () => {
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.usage.input_tokens': 5 } });
    expect([row.input_tokens, row.output_tokens, row.total_tokens]).toEqual([5, null, null]);
  });

  it('reads a cost given as a string and ignores gen_ai.usage.cost for tokens', () => {
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.usage.cost': '0.25' } });
    expect([row.cost_usd, row.input_tokens, row.total_tokens]).toEqual([0.25, null, null]);
  });
});

describe('content', () => {
  it('keeps JSON-looking content that fails to parse as the raw string', () => {
    const truncated = '[{"role":"user","parts":[{"type":"text","content":"Summarise this long docu';
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.input.messages': truncated } });
    expect(row.input_text).toBe(truncated);
  });

  it('renders sparse, huge flattened indexes without allocating a giant array', () => {
    const { row } = mapOne({
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.input_messages.999999.message.role': 'user',
        'llm.input_messages.999999.message.content': 'last',
        'llm.input_messages.2.message.role': 'system',
        'llm.input_messages.2.message.content': 'first',
        'gen_ai.prompt.4000000000.content': 'ignored: OpenInference messages come first',
      },
    });
    expect(row.input_text).toBe('system: first\n\nuser: last');
  });

  it('orders OpenLLMetry indexes numerically and caps a list at 1000 messages', () => {
    const attributes: Record<string, unknown> = { 'llm.request.type': 'chat', 'gen_ai.prompt.4000000000.content': 'z' };
    for (let i = 1500; i >= 1; i--) attributes[`gen_ai.prompt.${i}.content`] = `m${i}`;
    const { row } = mapOne({ attributes });
    const blocks = row.input_text!.split('\n\n');
    expect(blocks).toHaveLength(1000);
    expect(blocks.slice(0, 3)).toEqual(['m1', 'm2', 'm3']);
    expect(blocks.at(-1)).toBe('m1000');
  });

  it('does not take gen_ai.prompt.name (a template name) for a message', () => {
    const { row } = mapOne({
      attributes: {
        ...CHAT,
        'gen_ai.prompt.name': 'greeting',
        'gen_ai.prompt.version': '3',
        'gen_ai.prompt.0x.content': 'not an index',
        'gen_ai.prompt.prompt_filter_results': '[]',
      },
    });
    expect(row.input_text).toBeNull();
    expect(JSON.parse(row.attributes!)).toMatchObject({
      'gen_ai.prompt.name': 'greeting',
      'gen_ai.prompt.0x.content': 'not an index',
    });
    expect(row.convention).toBe('otel');
  });

  it('renders OpenLLMetry content that is itself a JSON list of content parts', () => {
    const { row } = mapOne({
      attributes: {
        'llm.request.type': 'chat',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': JSON.stringify([
          { type: 'text', text: 'Describe' },
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${'A'.repeat(4000)}` } },
        ]),
      },
    });
    expect(row.input_text).toBe('user: Describe\n[image image/jpeg, 4000 bytes base64 omitted]');
  });

  it('replaces NUL and lone surrogates', () => {
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.prompt': 'a\u0000b\uD800c', 'gen_ai.completion': '\uDC00' } });
    expect(row.input_text).toBe('a\uFFFDb\uFFFDc');
    expect(row.output_text).toBe('\uFFFD');
  });

  it('cuts a 300 KB prompt to maxTextBytes, reports its full size and does not keep it in attributes', () => {
    const prompt = 'Lorem ipsum dolor sit amet. '.repeat(11_000);
    const { row } = mapOne(
      {
        attributes: {
          ...CHAT,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: prompt }] }]),
        },
      },
      {},
      { maxTextBytes: 1000 },
    );
    expect(Buffer.byteLength(row.input_text!, 'utf8')).toBe(1000);
    expect(row.input_text!.startsWith('user: Lorem ipsum')).toBe(true);
    expect(row.input_bytes).toBe(Buffer.byteLength(`user: ${prompt}`, 'utf8'));
    expect(row.input_bytes).toBeGreaterThan(300_000);
    expect(JSON.parse(row.attributes!)).toEqual({ 'gen_ai.operation.name': 'chat' });
  });

  it('replaces a base64 blob part by a placeholder', () => {
    const image = 'iVBORw0KGgoAAAANSUhEUg'.repeat(5000);
    const { row } = mapOne({
      attributes: {
        ...CHAT,
        'gen_ai.input.messages': JSON.stringify([
          {
            role: 'user',
            parts: [
              { type: 'text', content: "What's this?" },
              { type: 'blob', modality: 'image', mime_type: 'image/png', content: image },
              { type: 'uri', modality: 'image', uri: 'https://example.com/x.png' },
              { type: 'file', modality: 'document', file_id: 'file-123' },
            ],
          },
        ]),
      },
    });
    expect(row.input_text).toBe(
      "user: What's this?\n[image image/png, 110000 bytes base64 omitted]\n" + '[image https://example.com/x.png]\n[file file-123]',
    );
  });

  it('replaces base64 inside large raw JSON content (tool arguments)', () => {
    const args = JSON.stringify({ name: 'upload', data: 'QUJD'.repeat(1000) });
    const { row } = mapOne({ attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.arguments': args } });
    expect(row.input_text).toBe('{"name":"upload","data":"[blob, 4000 bytes base64 omitted]"}');
  });

  it('renders reasoning and unknown parts, and skips role-only messages', () => {
    const { row } = mapOne({
      attributes: {
        ...CHAT,
        'gen_ai.output.messages': [
          {
            role: 'assistant',
            parts: [
              { type: 'reasoning', content: 'think' },
              { type: 'refusal', content: 'no' },
            ],
          },
          { role: 'assistant', parts: [] },
        ],
      },
    });
    expect(row.output_text).toBe('assistant: [reasoning] think\n{"type":"refusal","content":"no"}');
  });

  it('separates several output choices', () => {
    const { row } = mapOne({
      attributes: {
        'llm.request.type': 'chat',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'A',
        'gen_ai.completion.1.role': 'assistant',
        'gen_ai.completion.1.content': 'B',
        'gen_ai.completion.1.finish_reason': 'length',
        'gen_ai.completion.0.finish_reason': 'stop',
      },
    });
    expect(row.output_text).toBe('assistant: A\n\n---\n\nassistant: B');
    expect(row.finish_reasons).toBe('["stop","length"]');
  });
});

describe('resource and attributes', () => {
  it('stores a null service_name when neither resource nor span has service.name', () => {
    const { row } = mapOne({ attributes: CHAT }, { resource: { 'host.name': 'box' } });
    expect(row.service_name).toBeNull();
    expect(JSON.parse(row.resource_attributes!)).toEqual({ 'host.name': 'box' });
  });

  it('keeps bigints exact and bytes as base64 in attributes JSON', () => {
    const { row } = mapOne({
      attributes: { ...CHAT, 'app.big': 2n ** 63n - 1n, 'app.bytes': new Uint8Array([1, 2, 3]), 'app.kv': { a: [1, 'x'] } },
    });
    expect(row.attributes).toBe('{"gen_ai.operation.name":"chat","app.big":9223372036854775807,"app.bytes":"AQID","app.kv":{"a":[1,"x"]}}');
  });

  it('keeps attributes valid JSON when they exceed maxAttributesBytes', () => {
    const attributes: Record<string, unknown> = { ...CHAT };
    for (let i = 0; i < 200; i++) attributes[`app.key${i}`] = 'v'.repeat(100);
    const { row } = mapOne({ attributes }, {}, { maxAttributesBytes: 2000 });
    expect(Buffer.byteLength(row.attributes!, 'utf8')).toBeLessThanOrEqual(2000);
    expect(jsonObject(row.attributes)['oct.truncated']).toBe(true);
  });
});

describe('provider normalisation', () => {
  it.each([
    ['gen_ai.system', 'az.ai.openai', 'azure.ai.openai'],
    ['gen_ai.system', 'vertex_ai', 'gcp.vertex_ai'],
    ['gen_ai.system', 'gemini', 'gcp.gemini'],
    ['gen_ai.system', 'xai', 'x_ai'],
    ['gen_ai.system', 'Azure', 'azure'],
    ['gen_ai.system', 'AWS', 'aws'],
    ['gen_ai.system', 'openai.chat', 'openai'],
    ['gen_ai.system', 'anthropic.messages', 'anthropic'],
    ['gen_ai.system', 'google.vertex.chat', 'gcp.vertex_ai'],
    ['gen_ai.provider.name', 'aws.bedrock', 'aws.bedrock'],
    ['gen_ai.provider.name', 'azure.ai.inference', 'azure.ai.inference'],
    ['llm.provider', 'mistralai', 'mistral_ai'],
    ['ai.model.provider', 'google.generative-ai', 'gcp.gemini'],
    ['ai.model.provider', 'azure.responses', 'azure.ai.openai'],
    ['ai.model.provider', 'amazon-bedrock', 'aws.bedrock'],
    ['server.address', 'api.anthropic.com', 'anthropic'],
    ['server.address', 'my-res.openai.azure.com', 'azure.ai.openai'],
    ['server.address', 'bedrock-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
    ['server.address', 'localhost', null],
  ])('%s = %s → %s', (key, value, expected) => {
    const { row } = mapOne({ attributes: { ...CHAT, [key]: value } });
    expect(row.provider).toBe(expected);
    expect(jsonObject(row.attributes)[key]).toBe(value); // the raw value is kept
  });

  it('does not read gen_ai.system_instructions as a provider', () => {
    const { row } = mapOne({ attributes: { ...CHAT, 'gen_ai.system_instructions': 'Be terse.' } });
    expect(row.provider).toBeNull();
    expect(row.input_text).toBe('system: Be terse.');
  });
});

describe('robustness', () => {
  const shapes: unknown[] = [
    null,
    true,
    -5,
    Number.NaN,
    2n ** 70n,
    '',
    '{',
    '[1,',
    '"quoted"',
    'x'.repeat(10_000),
    new Uint8Array([0, 255]),
    [],
    [null, [{}], { type: 'blob' }],
    { role: 5, parts: 'nope', content: { type: 'tool_call' } },
    { type: 'text', content: { nested: [1, 2n] } },
    '[{"role":"user","parts":[{"type":"tool_call_response"},{"type":"image","image":{}}]}]',
  ];
  const keys = [
    'gen_ai.input.messages',
    'gen_ai.output.messages',
    'gen_ai.system_instructions',
    'gen_ai.response.finish_reasons',
    'gen_ai.usage.input_tokens',
    'gen_ai.provider.name',
    'gen_ai.response.time_to_first_chunk',
    'gen_ai.prompt.0.content',
    'gen_ai.prompt.0.tool_calls',
    'ai.prompt',
    'ai.prompt.messages',
    'ai.response.toolCalls',
    'events',
    'server.address',
    'error.type',
  ];

  it.each(shapes.map((shape, i) => [i, shape]))('never throws on attribute shape #%i', (_i, shape) => {
    const attributes = Object.fromEntries(keys.map((key) => [key, shape]));
    for (const extra of [{}, { 'openinference.span.kind': 'LLM' }, { 'ai.operationId': 'ai.generateText' }]) {
      const { row } = mapOne({
        attributes: { ...attributes, ...extra },
        events: [
          { name: 'gen_ai.choice', attributes: { message: shape, finish_reason: shape } },
          { name: 'exception', attributes: { 'exception.message': shape } },
        ],
      });
      expect(() => jsonObject(row.attributes ?? '{}')).not.toThrow();
    }
  });

  it('survives deeply nested structured values and JSON text', () => {
    let deep: AnyValue = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : new Map([['k', deep]]);
    const deepJson = '['.repeat(100_000) + ']'.repeat(100_000);
    const req = request({ spans: [{ attributes: { ...CHAT, 'gen_ai.output.messages': deepJson } }] });
    const { attributes } = req.resourceSpans[0].scopeSpans[0].spans[0];
    attributes.set('gen_ai.input.messages', deep);
    attributes.set('app.deep', deep);
    const [row] = traceRows(map(req));
    expect(jsonObject(row.attributes)['app.deep']).toBeDefined();
    expect(row.output_text).toBe('[unrenderable value]');
  });

  it('survives a key with thousands of segments', () => {
    const { row } = mapOne({ attributes: { 'llm.request.type': 'chat', [`gen_ai.prompt.0${'.a'.repeat(5000)}`]: 'x' } });
    expect(row.kind).toBe('llm');
  });
});
