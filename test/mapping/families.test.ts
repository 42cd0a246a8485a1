/**
 * One fixture per attribute family (OTel GenAI, OpenLLMetry, OpenInference, Vercel AI SDK, OpenLIT,
 * Pydantic AI), in the shapes those SDKs emit, asserting every column of the resulting traces row.
 */
import { describe, expect, it } from 'vitest';
import { END, expectRow, map, mapOne, nextSpanId, request, spanColumns, START, texts, traceRows } from './fixtures.js';

const NO_USAGE = {
  input_tokens: null,
  output_tokens: null,
  total_tokens: null,
  cache_read_tokens: null,
  cache_write_tokens: null,
  reasoning_tokens: null,
  cost_usd: null,
  cost_source: null,
};
const NO_IDENTITY = { response_id: null, conversation_id: null, user_id: null, tool_name: null, agent_name: null };
const NO_ERROR = { status: 'ok' as const, status_message: null, error_type: null };

describe('worked example: an OTel GenAI chat span', () => {
  it('maps the chat span to exactly this row, column by column', () => {
    const { row, errors } = mapOne({
      name: 'chat gpt-4o',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      kind: 3,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 27,
        'gen_ai.usage.output_tokens': '2',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Capital of France?"}]}]',
        'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Paris."}],"finish_reason":"stop"}]',
      },
    });
    expectRow(row, {
      ...spanColumns('eee19b7ec3c1b174', { otel_parent_span_id: 'eee19b7ec3c1b173' }),
      convention: 'otel',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: null,
      scope_name: null,
      span_name: 'chat gpt-4o',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o',
      ...texts('user: Capital of France?', 'assistant: Paris.'),
      ...NO_USAGE,
      input_tokens: 27,
      output_tokens: 2,
      total_tokens: 29,
      ...NO_ERROR,
      finish_reasons: '["stop"]',
      ...NO_IDENTITY,
      ttft_ms: null,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 27,
        'gen_ai.usage.output_tokens': '2',
        'gen_ai.response.finish_reasons': ['stop'],
      },
      resource_attributes: null,
    });
    expect(errors).toEqual([]);
  });
});

describe('OpenTelemetry GenAI, current (v1.37+)', () => {
  const systemInstructions = [{ type: 'text', content: 'Be terse.' }];
  const inputMessages = [
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    {
      role: 'assistant',
      parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
    },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy, 57°F' }] },
  ];
  const outputMessages = [{ role: 'assistant', parts: [{ type: 'text', content: 'Rainy, 57°F.' }], finish_reason: 'stop' }];
  const metadata = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.request.temperature': 0.2,
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.response.id': 'chatcmpl-123',
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.response.time_to_first_chunk': 0.25,
    'gen_ai.conversation.id': 'conv-1',
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 30,
    'gen_ai.usage.cache_read.input_tokens': 100,
    'gen_ai.usage.cache_creation.input_tokens': 10,
    'gen_ai.usage.reasoning.output_tokens': 5,
    'server.address': 'api.openai.com',
    'user.id': 'u-42',
  };
  const context = {
    resource: { 'service.name': 'chat-api', 'telemetry.sdk.language': 'python' },
    scope: 'opentelemetry.instrumentation.openai_v2',
  };

  const expected = (spanId: string) => ({
    ...spanColumns(spanId),
    convention: 'otel',
    kind: 'llm' as const,
    is_aggregate: 0 as const,
    operation: 'chat',
    service_name: 'chat-api',
    scope_name: 'opentelemetry.instrumentation.openai_v2',
    span_name: 'chat gpt-4o',
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    request_model: 'gpt-4o',
    ...texts(
      'system: Be terse.\n\nuser: Weather in Paris?\n\nassistant: [tool_call get_weather {"city":"Paris"}]' +
        '\n\ntool: [tool_result call_1] rainy, 57°F',
      'assistant: Rainy, 57°F.',
    ),
    input_tokens: 120,
    output_tokens: 30,
    total_tokens: 150,
    cache_read_tokens: 100,
    cache_write_tokens: 10,
    reasoning_tokens: 5,
    cost_usd: null,
    cost_source: null,
    ...NO_ERROR,
    finish_reasons: '["stop"]',
    response_id: 'chatcmpl-123',
    conversation_id: 'conv-1',
    user_id: 'u-42',
    tool_name: null,
    agent_name: null,
    ttft_ms: 250,
    attributes: metadata,
    resource_attributes: { 'service.name': 'chat-api', 'telemetry.sdk.language': 'python' },
  });

  it('renders content sent as JSON strings', () => {
    const spanId = nextSpanId();
    const { row } = mapOne(
      {
        spanId,
        name: 'chat gpt-4o',
        attributes: {
          ...metadata,
          'gen_ai.system_instructions': JSON.stringify(systemInstructions),
          'gen_ai.input.messages': JSON.stringify(inputMessages),
          'gen_ai.output.messages': JSON.stringify(outputMessages),
        },
      },
      context,
    );
    expectRow(row, expected(spanId));
  });

  it('renders the same content sent as structured array / kvlist values', () => {
    const spanId = nextSpanId();
    const { row } = mapOne(
      {
        spanId,
        name: 'chat gpt-4o',
        attributes: {
          ...metadata,
          'gen_ai.system_instructions': systemInstructions,
          'gen_ai.input.messages': inputMessages,
          'gen_ai.output.messages': outputMessages,
        },
      },
      context,
    );
    expectRow(row, expected(spanId));
  });

  it('reads content from a gen_ai.client.inference.operation.details span event', () => {
    const { row } = mapOne({
      name: 'chat gpt-4o',
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' },
      events: [
        {
          name: 'gen_ai.client.inference.operation.details',
          attributes: {
            'gen_ai.system_instructions': JSON.stringify(systemInstructions),
            'gen_ai.input.messages': JSON.stringify(inputMessages.slice(0, 1)),
            'gen_ai.output.messages': JSON.stringify(outputMessages),
          },
        },
      ],
    });
    expect(row.input_text).toBe('system: Be terse.\n\nuser: Weather in Paris?');
    expect(row.output_text).toBe('assistant: Rainy, 57°F.');
  });
});

describe('OpenTelemetry GenAI, deprecated shapes', () => {
  it('maps gen_ai.system, prompt/completion_tokens and gen_ai.content.* span events (v1.26)', () => {
    const spanId = nextSpanId();
    const attributes = {
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-3.5-turbo',
      'gen_ai.response.model': 'gpt-3.5-turbo-0125',
      'gen_ai.usage.prompt_tokens': 12,
      'gen_ai.usage.completion_tokens': 7,
      'gen_ai.response.finish_reasons': ['stop'],
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'chat gpt-3.5-turbo',
        attributes,
        events: [
          { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': '[{"role": "user", "content": "Hi"}]' } },
          { name: 'gen_ai.content.completion', attributes: { 'gen_ai.completion': 'Hello!' } },
        ],
      },
      { resource: { 'service.name': 'sk-app' }, scope: 'Microsoft.SemanticKernel' },
    );
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'otel',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat', // from the span name: v1.26 had no gen_ai.operation.name
      service_name: 'sk-app',
      scope_name: 'Microsoft.SemanticKernel',
      span_name: 'chat gpt-3.5-turbo',
      provider: 'openai',
      model: 'gpt-3.5-turbo-0125',
      request_model: 'gpt-3.5-turbo',
      ...texts('[{"role": "user", "content": "Hi"}]', 'Hello!'),
      ...NO_USAGE,
      input_tokens: 12,
      output_tokens: 7,
      total_tokens: 19,
      ...NO_ERROR,
      finish_reasons: '["stop"]',
      ...NO_IDENTITY,
      ttft_ms: null,
      attributes,
      resource_attributes: { 'service.name': 'sk-app' },
    });
  });

  it('maps per-message span events gen_ai.{system,user}.message and gen_ai.choice (v1.28–1.36)', () => {
    const spanId = nextSpanId();
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'az.ai.openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 5,
    };
    const { row } = mapOne({
      spanId,
      name: 'chat gpt-4o-mini',
      attributes,
      events: [
        { name: 'gen_ai.system.message', attributes: { content: 'You are helpful.' } },
        { name: 'gen_ai.user.message', attributes: { content: 'What is 2+2?' } },
        {
          name: 'gen_ai.choice',
          attributes: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '4' } },
        },
      ],
    });
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'otel',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: null,
      scope_name: null,
      span_name: 'chat gpt-4o-mini',
      provider: 'azure.ai.openai',
      model: 'gpt-4o-mini',
      request_model: 'gpt-4o-mini',
      ...texts('system: You are helpful.\n\nuser: What is 2+2?', 'assistant: 4'),
      ...NO_USAGE,
      input_tokens: 20,
      output_tokens: 5,
      total_tokens: 25,
      ...NO_ERROR,
      finish_reasons: '["stop"]',
      ...NO_IDENTITY,
      ttft_ms: null,
      attributes,
      resource_attributes: null,
    });
  });
});

describe('OpenLLMetry (Traceloop), legacy indexed attributes', () => {
  it('maps an LLM span with gen_ai.prompt.N / gen_ai.completion.N and llm.usage.total_tokens', () => {
    const spanId = nextSpanId();
    const metadata = {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4',
      'gen_ai.response.model': 'gpt-4-0613',
      'gen_ai.response.id': 'chatcmpl-77',
      'gen_ai.usage.prompt_tokens': 50,
      'gen_ai.usage.completion_tokens': 20,
      'llm.usage.total_tokens': 71, // as reported, even when it differs from 50 + 20
      'llm.is_streaming': false,
      'traceloop.workflow.name': 'support',
      'traceloop.association.properties.session_id': 's-1',
      'traceloop.association.properties.user_id': 'u-1',
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'openai.chat',
        kind: 3,
        attributes: {
          ...metadata,
          'gen_ai.prompt.0.role': 'system',
          'gen_ai.prompt.0.content': 'You are a bot.',
          'gen_ai.prompt.1.role': 'user',
          'gen_ai.prompt.1.content': 'Look up x',
          'gen_ai.completion.0.role': 'assistant',
          'gen_ai.completion.0.finish_reason': 'tool_calls',
          'gen_ai.completion.0.tool_calls.0.id': 'call_9',
          'gen_ai.completion.0.tool_calls.0.name': 'lookup',
          'gen_ai.completion.0.tool_calls.0.arguments': '{"q":"x"}',
        },
      },
      { resource: { 'service.name': 'bot' }, scope: 'opentelemetry.instrumentation.openai.v1' },
    );
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'openllmetry',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: 'bot',
      scope_name: 'opentelemetry.instrumentation.openai.v1',
      span_name: 'openai.chat',
      provider: 'openai',
      model: 'gpt-4-0613',
      request_model: 'gpt-4',
      ...texts('system: You are a bot.\n\nuser: Look up x', 'assistant: [tool_call lookup {"q":"x"}]'),
      ...NO_USAGE,
      input_tokens: 50,
      output_tokens: 20,
      total_tokens: 71,
      ...NO_ERROR,
      finish_reasons: '["tool_calls"]',
      response_id: 'chatcmpl-77',
      conversation_id: 's-1',
      user_id: 'u-1',
      tool_name: null,
      agent_name: null,
      ttft_ms: null,
      attributes: metadata,
      resource_attributes: { 'service.name': 'bot' },
    });
  });

  it('maps a workflow decorator span (traceloop.span.kind) as an aggregate', () => {
    const spanId = nextSpanId();
    const { row } = mapOne({
      spanId,
      name: 'support.workflow',
      attributes: {
        'traceloop.span.kind': 'workflow',
        'traceloop.entity.name': 'support',
        'traceloop.workflow.name': 'support',
        'traceloop.entity.input': '{"args":["hi"],"kwargs":{}}',
        'traceloop.entity.output': '"done"',
      },
    });
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'openllmetry',
      kind: 'workflow',
      is_aggregate: 1,
      operation: 'workflow',
      service_name: null,
      scope_name: null,
      span_name: 'support.workflow',
      provider: null,
      model: null,
      request_model: null,
      ...texts('{"args":["hi"],"kwargs":{}}', '"done"'),
      ...NO_USAGE,
      ...NO_ERROR,
      finish_reasons: null,
      ...NO_IDENTITY,
      ttft_ms: null,
      attributes: {
        'traceloop.span.kind': 'workflow',
        'traceloop.entity.name': 'support',
        'traceloop.workflow.name': 'support',
      },
      resource_attributes: null,
    });
  });
});

describe('OpenInference (Arize / Phoenix)', () => {
  it('maps an LLM span with llm.input_messages, contents, tool calls and llm.token_count.*', () => {
    const spanId = nextSpanId();
    const metadata = {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.invocation_parameters': '{"temperature":0}',
      'llm.token_count.prompt': 40,
      'llm.token_count.completion': 12,
      'llm.token_count.total': 52,
      'llm.token_count.prompt_details.cache_read': 8,
      'llm.token_count.completion_details.reasoning': 3,
      'llm.cost.total': 0.0012,
      'input.value': '{"model":"gpt-4o-mini"}',
      'input.mime_type': 'application/json',
      'session.id': 'sess-9',
      'user.id': 'user-9',
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'ChatCompletion',
        attributes: {
          ...metadata,
          'llm.input_messages.0.message.role': 'system',
          'llm.input_messages.0.message.content': 'Be brief.',
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.contents.0.message_content.type': 'text',
          'llm.input_messages.1.message.contents.0.message_content.text': 'What is in this image?',
          'llm.input_messages.1.message.contents.1.message_content.type': 'image',
          'llm.input_messages.1.message.contents.1.message_content.image.image.url': 'https://example.com/cat.png',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_7',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'describe',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"detail":"high"}',
        },
      },
      { scope: 'openinference.instrumentation.openai' },
    );
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'openinference',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: null,
      scope_name: 'openinference.instrumentation.openai',
      span_name: 'ChatCompletion',
      provider: 'openai',
      model: 'gpt-4o-mini',
      request_model: 'gpt-4o-mini',
      ...texts(
        'system: Be brief.\n\nuser: What is in this image?\n[image https://example.com/cat.png]',
        'assistant: [tool_call describe {"detail":"high"}]',
      ),
      input_tokens: 40,
      output_tokens: 12,
      total_tokens: 52,
      cache_read_tokens: 8,
      cache_write_tokens: null,
      reasoning_tokens: 3,
      cost_usd: 0.0012,
      cost_source: 'reported',
      ...NO_ERROR,
      finish_reasons: null,
      ...NO_IDENTITY,
      conversation_id: 'sess-9',
      user_id: 'user-9',
      ttft_ms: null,
      attributes: metadata, // input.value was not the rendered carrier, so it stays
      resource_attributes: null,
    });
  });

  it('maps a CHAIN span from input.value / output.value', () => {
    const spanId = nextSpanId();
    const { row } = mapOne({
      spanId,
      name: 'RetrievalQA',
      attributes: {
        'openinference.span.kind': 'CHAIN',
        'input.value': 'What is RAG?',
        'input.mime_type': 'text/plain',
        'output.value': 'Retrieval augmented generation.',
        'output.mime_type': 'text/plain',
      },
    });
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'openinference',
      kind: 'workflow',
      is_aggregate: 1,
      operation: 'chain',
      service_name: null,
      scope_name: null,
      span_name: 'RetrievalQA',
      provider: null,
      model: null,
      request_model: null,
      ...texts('What is RAG?', 'Retrieval augmented generation.'),
      ...NO_USAGE,
      ...NO_ERROR,
      finish_reasons: null,
      ...NO_IDENTITY,
      ttft_ms: null,
      attributes: { 'openinference.span.kind': 'CHAIN', 'input.mime_type': 'text/plain', 'output.mime_type': 'text/plain' },
      resource_attributes: null,
    });
  });

  it('maps a TOOL span', () => {
    const { row } = mapOne({
      name: 'search',
      attributes: {
        'openinference.span.kind': 'TOOL',
        'tool.name': 'search',
        'input.value': '{"q":"otel"}',
        'output.value': '3 hits',
      },
    });
    expect(row).toMatchObject({
      kind: 'tool',
      is_aggregate: 0,
      operation: 'execute_tool',
      tool_name: 'search',
      input_text: '{"q":"otel"}',
      output_text: '3 hits',
    });
  });
});

describe('Vercel AI SDK', () => {
  const base64Image = 'iVBORw0KGgo'.repeat(200);

  it('maps the outer ai.generateText span as an aggregate and doGenerate (v4 usage) as the model call', () => {
    const outerId = nextSpanId();
    const innerId = nextSpanId();
    const outerAttributes = {
      'operation.name': 'ai.generateText my-fn',
      'ai.operationId': 'ai.generateText',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
      'ai.telemetry.functionId': 'my-fn',
      'ai.telemetry.metadata.userId': 'u-7',
      'ai.telemetry.metadata.sessionId': 's-7',
      'ai.settings.maxRetries': 2,
      'ai.response.finishReason': 'stop',
      'ai.usage.promptTokens': 30,
      'ai.usage.completionTokens': 10,
    };
    const innerAttributes = {
      'operation.name': 'ai.generateText.doGenerate my-fn',
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
      'gen_ai.system': 'openai.chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'ai.response.model': 'gpt-4o-2024-08-06',
      'ai.response.id': 'resp-1',
      'gen_ai.response.id': 'resp-1',
      'ai.response.finishReason': 'tool-calls',
      'gen_ai.response.finish_reasons': ['tool-calls'],
      'ai.response.msToFirstChunk': 120,
      // Dual-emitted usage: picked by priority, never added.
      'ai.usage.promptTokens': 30,
      'ai.usage.completionTokens': 10,
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 10,
    };
    const result = map(
      request({
        resource: { 'service.name': 'next-app' },
        scope: 'ai',
        spans: [
          {
            spanId: innerId,
            parentSpanId: outerId,
            name: 'ai.generateText.doGenerate',
            attributes: {
              ...innerAttributes,
              'ai.prompt.messages': JSON.stringify([
                { role: 'system', content: 'Be nice.' },
                {
                  role: 'user',
                  content: [
                    { type: 'text', text: 'Hello?' },
                    { type: 'image', image: base64Image, mimeType: 'image/png' },
                  ],
                },
              ]),
              'ai.response.text': 'Hi there!',
              'ai.response.toolCalls': JSON.stringify([
                { toolCallType: 'function', toolCallId: 'call_1', toolName: 'weather', args: '{"city":"Paris"}' },
              ]),
            },
          },
          {
            spanId: outerId,
            name: 'ai.generateText',
            attributes: {
              ...outerAttributes,
              'ai.prompt': '{"system":"Be nice.","prompt":"Hello?"}',
              'ai.response.text': 'Hi there!',
            },
          },
        ],
      }),
    );
    const [inner, outer] = traceRows(result);
    const common = { service_name: 'next-app', scope_name: 'ai', convention: 'vercel', ...NO_ERROR };
    expectRow(inner, {
      ...spanColumns(innerId, { otel_parent_span_id: outerId }),
      ...common,
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      span_name: 'ai.generateText.doGenerate',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o',
      ...texts(
        'system: Be nice.\n\nuser: Hello?\n[image image/png, 2200 bytes base64 omitted]',
        'Hi there!\n[tool_call weather {"city":"Paris"}]',
      ),
      ...NO_USAGE,
      input_tokens: 30,
      output_tokens: 10,
      total_tokens: 40,
      finish_reasons: '["tool-calls"]',
      ...NO_IDENTITY,
      response_id: 'resp-1',
      ttft_ms: 120,
      attributes: innerAttributes,
      resource_attributes: { 'service.name': 'next-app' },
    });
    expectRow(outer, {
      ...spanColumns(outerId),
      ...common,
      kind: 'agent',
      is_aggregate: 1,
      operation: 'ai.generateText',
      span_name: 'ai.generateText',
      provider: 'openai',
      model: 'gpt-4o',
      request_model: 'gpt-4o',
      ...texts('system: Be nice.\n\nuser: Hello?', 'Hi there!'),
      ...NO_USAGE,
      input_tokens: 30,
      output_tokens: 10,
      total_tokens: 40,
      finish_reasons: '["stop"]',
      response_id: null,
      conversation_id: 's-7',
      user_id: 'u-7',
      tool_name: null,
      agent_name: 'my-fn',
      ttft_ms: null,
      attributes: outerAttributes,
      resource_attributes: { 'service.name': 'next-app' },
    });
  });

  it('maps a doStream span with v6 usage names (inputTokens, cachedInputTokens) and tool parts', () => {
    const spanId = nextSpanId();
    const metadata = {
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'claude-sonnet-4',
      'ai.model.provider': 'anthropic.messages',
      'ai.response.msToFirstChunk': 80.5,
      'ai.usage.inputTokens': 15,
      'ai.usage.outputTokens': 5,
      'ai.usage.totalTokens': 20,
      'ai.usage.cachedInputTokens': 4,
      'ai.usage.reasoningTokens': 2,
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'ai.streamText.doStream',
        start: START,
        end: START + 1_234_567n,
        attributes: {
          ...metadata,
          'ai.prompt.messages': JSON.stringify([
            { role: 'user', content: 'Weather?' },
            {
              role: 'assistant',
              content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Oslo' } }],
            },
            {
              role: 'tool',
              content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'json', value: { temp: 3 } } }],
            },
          ]),
          'ai.response.text': 'Done.',
        },
      },
      { scope: 'ai' },
    );
    expectRow(row, {
      ...spanColumns(spanId, { end_time: 1760000000001, duration_ms: 1.234567 }),
      convention: 'vercel',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: null,
      scope_name: 'ai',
      span_name: 'ai.streamText.doStream',
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      request_model: 'claude-sonnet-4',
      ...texts('user: Weather?\n\nassistant: [tool_call weather {"city":"Oslo"}]\n\ntool: [tool_result c1] {"temp":3}', 'Done.'),
      input_tokens: 15,
      output_tokens: 5,
      total_tokens: 20,
      cache_read_tokens: 4,
      cache_write_tokens: null,
      reasoning_tokens: 2,
      cost_usd: null,
      cost_source: null,
      ...NO_ERROR,
      finish_reasons: null,
      ...NO_IDENTITY,
      ttft_ms: 80.5,
      attributes: metadata,
      resource_attributes: null,
    });
  });

  it('maps an ai.toolCall span as a tool call', () => {
    const spanId = nextSpanId();
    const { row } = mapOne(
      {
        spanId,
        name: 'ai.toolCall',
        attributes: {
          'ai.operationId': 'ai.toolCall',
          'ai.toolCall.name': 'weather',
          'ai.toolCall.id': 'c1',
          'ai.toolCall.args': '{"city":"Oslo"}',
          'ai.toolCall.result': '{"temp":3}',
        },
      },
      { scope: 'ai' },
    );
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'vercel',
      kind: 'tool',
      is_aggregate: 0,
      operation: 'execute_tool',
      service_name: null,
      scope_name: 'ai',
      span_name: 'ai.toolCall',
      provider: null,
      model: null,
      request_model: null,
      ...texts('{"city":"Oslo"}', '{"temp":3}'),
      ...NO_USAGE,
      ...NO_ERROR,
      finish_reasons: null,
      ...NO_IDENTITY,
      tool_name: 'weather',
      ttft_ms: null,
      attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'weather', 'ai.toolCall.id': 'c1' },
      resource_attributes: null,
    });
  });
});

describe('OpenLIT', () => {
  it('maps cost, plain-text gen_ai.prompt / gen_ai.completion and time to first token', () => {
    const spanId = nextSpanId();
    const metadata = {
      'telemetry.sdk.name': 'openlit',
      'service.name': 'lit-app',
      'deployment.environment': 'prod',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.id': 'chatcmpl-9',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.usage.total_tokens': 20,
      'gen_ai.usage.cost': 0.000045,
      'gen_ai.server.time_to_first_token': 0.3,
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'chat gpt-4o-mini',
        attributes: {
          ...metadata,
          'gen_ai.prompt': 'user: Tell me a joke',
          'gen_ai.completion': 'Why did the chicken cross the road?',
        },
        events: [{ name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'user: Tell me a joke' } }],
        statusCode: 1,
      },
      { resource: { 'telemetry.sdk.name': 'openlit' }, scope: 'openlit.otel.tracing' },
    );
    expectRow(row, {
      ...spanColumns(spanId),
      convention: 'openlit',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      service_name: 'lit-app', // the span attribute, since the resource has none
      scope_name: 'openlit.otel.tracing',
      span_name: 'chat gpt-4o-mini',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      request_model: 'gpt-4o-mini',
      ...texts('user: Tell me a joke', 'Why did the chicken cross the road?'),
      input_tokens: 11,
      output_tokens: 9,
      total_tokens: 20,
      cache_read_tokens: null,
      cache_write_tokens: null,
      reasoning_tokens: null,
      cost_usd: 0.000045,
      cost_source: 'reported',
      ...NO_ERROR,
      finish_reasons: '["stop"]',
      ...NO_IDENTITY,
      response_id: 'chatcmpl-9',
      ttft_ms: 300,
      attributes: metadata,
      resource_attributes: { 'telemetry.sdk.name': 'openlit' },
    });
  });
});

describe('timing', () => {
  it('keeps sub-millisecond durations and nulls unknown or negative ones', () => {
    const attributes = { 'gen_ai.operation.name': 'chat' };
    const rows = traceRows(
      map(
        request({
          spans: [
            { attributes, start: START, end: START + 1n },
            { attributes, start: START, end: 0n },
            { attributes, start: END, end: START },
            { attributes, start: 0n, end: END },
          ],
        }),
      ),
    );
    expect(rows.map((r) => [r.start_time, r.end_time, r.duration_ms])).toEqual([
      [1760000000000, 1760000000000, 0.000001],
      [1760000000000, null, null],
      [1760000000850, 1760000000000, null],
      [1760000000850, 1760000000850, null],
    ]);
  });

  it('uses the current time when the span has no timestamps', () => {
    const before = Date.now();
    const { row } = mapOne({ attributes: { 'gen_ai.operation.name': 'chat' }, start: 0n, end: 0n });
    expect(row.start_time).toBeGreaterThanOrEqual(before);
    expect(row.start_time).toBeLessThanOrEqual(Date.now());
    expect([row.end_time, row.duration_ms]).toEqual([null, null]);
  });
});

describe('Pydantic AI', () => {
  it('maps operation.cost and the version-1 `events` attribute', () => {
    const { row } = mapOne(
      {
        name: 'chat gpt-4o',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'operation.cost': 0.0031,
          events: JSON.stringify([
            { 'event.name': 'gen_ai.system.message', content: 'Be terse.', role: 'system' },
            { 'event.name': 'gen_ai.user.message', content: 'Hi', role: 'user' },
            { 'event.name': 'gen_ai.choice', index: 0, message: { role: 'assistant', content: 'Hello.' } },
          ]),
        },
      },
      { scope: 'pydantic-ai' },
    );
    expect(row).toMatchObject({
      convention: 'pydantic-ai',
      kind: 'llm',
      cost_usd: 0.0031,
      cost_source: 'reported',
      input_text: 'system: Be terse.\n\nuser: Hi',
      output_text: 'assistant: Hello.',
    });
    expect(JSON.parse(row.attributes!)).not.toHaveProperty('events');
  });
});

describe('retrieval and embedding carriers', () => {
  it('renders OpenInference retrieval documents', () => {
    const { row } = mapOne({
      attributes: {
        'openinference.span.kind': 'RETRIEVER',
        'input.value': 'otel receivers',
        'retrieval.documents.0.document.id': 'd1',
        'retrieval.documents.0.document.content': 'OTLP over HTTP',
        'retrieval.documents.1.document.content': 'gRPC',
      },
    });
    expect(row).toMatchObject({
      kind: 'retrieval',
      operation: 'retrieval',
      input_text: 'otel receivers',
      output_text: '[document d1] OTLP over HTTP\n\n[document] gRPC',
    });
  });

  it('renders OpenInference embedding texts and Vercel embed values', () => {
    const openInference = mapOne({
      attributes: {
        'openinference.span.kind': 'EMBEDDING',
        'embedding.model_name': 'text-embedding-3-small',
        'embedding.embeddings.0.embedding.text': 'hello',
        'embedding.embeddings.1.embedding.text': 'world',
      },
    }).row;
    expect(openInference).toMatchObject({
      kind: 'embedding',
      operation: 'embeddings',
      model: 'text-embedding-3-small',
      input_text: 'hello\n\nworld',
    });
    const vercel = mapOne(
      {
        attributes: {
          'ai.operationId': 'ai.embedMany.doEmbed',
          'ai.model.id': 'text-embedding-3-small',
          'ai.values': ['"sunny day"', '"rainy day"'],
          'ai.usage.tokens': 6,
        },
      },
      { scope: 'ai' },
    ).row;
    expect(vercel).toMatchObject({ kind: 'embedding', input_text: 'sunny day\n\nrainy day', total_tokens: 6 });
  });
});
