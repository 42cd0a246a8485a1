/**
 * Fixtures for the Langfuse SDKs, Pydantic AI (instrumentation versions 1–3) and LangChain runs
 * under OpenInference / OpenLLMetry, in the shapes those libraries emit, asserting every column.
 */
import { describe, expect, it } from 'vitest';
import { errorRows, expectRow, map, mapOne, nextSpanId, request, spanColumns, texts, type ExpectedRow } from './fixtures.js';

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

/** The columns a span of `scope` without resource attributes shares. */
const common = (spanId: string, scope: string, spanName: string) => ({
  ...spanColumns(spanId),
  service_name: null,
  scope_name: scope,
  span_name: spanName,
  resource_attributes: null,
  finish_reasons: null,
  ttft_ms: null,
});

describe('Langfuse SDKs (JS v4/v5, Python v3)', () => {
  const scope = 'langfuse-sdk';
  /** 250 ms after the fixtures' span start, JSON-quoted as the SDKs write it. */
  const completionStart = JSON.stringify(new Date(1760000000250).toISOString());

  it('maps a generation: model, usage and cost details, completion start, user, session; tags and metadata kept', () => {
    const spanId = nextSpanId();
    const metadata = {
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o',
      'langfuse.observation.model.parameters': '{"temperature":0.2,"max_tokens":256}',
      'langfuse.observation.usage_details': JSON.stringify({
        input: 120,
        output: 30,
        total: 150,
        input_cached_tokens: 100,
        cache_creation_input_tokens: 10,
        output_reasoning_tokens: 5,
      }),
      'langfuse.observation.cost_details': JSON.stringify({ input: 0.0003, output: 0.0012, total: 0.0015 }),
      'langfuse.observation.completion_start_time': completionStart,
      'langfuse.observation.metadata.feature': 'search',
      'langfuse.observation.level': 'DEFAULT',
      'langfuse.trace.name': 'qa',
      'langfuse.trace.tags': ['prod', 'beta'],
      'langfuse.environment': 'production',
      'user.id': 'u-1',
      'session.id': 's-1',
    };
    const { row, errors } = mapOne(
      {
        spanId,
        name: 'answer',
        attributes: {
          ...metadata,
          'langfuse.observation.input': JSON.stringify([
            { role: 'system', content: 'Be terse.' },
            { role: 'user', content: 'Capital of France?' },
          ]),
          'langfuse.observation.output': JSON.stringify({ role: 'assistant', content: 'Paris.' }),
        },
      },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'answer'),
      convention: 'langfuse',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      provider: null,
      model: 'gpt-4o',
      request_model: 'gpt-4o',
      ...texts('system: Be terse.\n\nuser: Capital of France?', 'assistant: Paris.'),
      input_tokens: 120,
      output_tokens: 30,
      total_tokens: 150,
      cache_read_tokens: 100,
      cache_write_tokens: 10,
      reasoning_tokens: 5,
      cost_usd: 0.0015,
      cost_source: 'reported' as const,
      ...NO_ERROR,
      ...NO_IDENTITY,
      conversation_id: 's-1',
      user_id: 'u-1',
      ttft_ms: 250,
      attributes: metadata,
    });
    expect(errors).toEqual([]);
  });

  it('reads the Python SDK shapes: untyped generation, OpenAI-style usage, summed cost, langfuse.* ids, an object with messages', () => {
    const spanId = nextSpanId();
    const metadata = {
      'langfuse.observation.model.name': 'claude-3-5-sonnet-20241022',
      'langfuse.observation.usage_details': '{"prompt_tokens": 40, "completion_tokens": 8}',
      'langfuse.observation.cost_details': '{"input": 0.25, "output": 0.5}',
      'langfuse.user.id': 'u-2',
      'langfuse.session.id': 's-2',
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'generation',
        attributes: {
          ...metadata,
          'langfuse.observation.input': JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], temperature: 0 }),
          'langfuse.observation.output': '"Hello."',
        },
      },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'generation'),
      convention: 'langfuse',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      provider: null,
      model: 'claude-3-5-sonnet-20241022',
      request_model: 'claude-3-5-sonnet-20241022',
      ...texts('user: Hi', 'Hello.'),
      ...NO_USAGE,
      input_tokens: 40,
      output_tokens: 8,
      total_tokens: 48,
      cost_usd: 0.75,
      cost_source: 'reported' as const,
      ...NO_ERROR,
      ...NO_IDENTITY,
      conversation_id: 's-2',
      user_id: 'u-2',
      attributes: metadata,
    });
  });

  it('maps level ERROR to status error and an errors row with the status message, though the OTel status is UNSET', () => {
    const spanId = nextSpanId();
    const metadata = {
      'langfuse.observation.type': 'span',
      'langfuse.observation.level': 'ERROR',
      'langfuse.observation.status_message': 'quota exceeded',
    };
    const { row, errors } = mapOne({ spanId, name: 'pipeline', statusCode: 0, attributes: metadata }, { scope });
    expectRow(row, {
      ...common(spanId, scope, 'pipeline'),
      convention: 'langfuse',
      kind: 'workflow',
      is_aggregate: 1,
      operation: 'span',
      provider: null,
      model: null,
      request_model: null,
      ...texts(null, null),
      ...NO_USAGE,
      status: 'error',
      status_message: 'quota exceeded',
      error_type: null,
      ...NO_IDENTITY,
      attributes: metadata,
    });
    expect(errors).toMatchObject([
      { origin: 'span_status', llm_trace_id: row.trace_id, error_type: null, message: 'quota exceeded', stacktrace: null },
    ]);
  });

  it.each([
    ['embedding', 'embedding', 'embeddings', 0],
    ['tool', 'tool', 'execute_tool', 0],
    ['agent', 'agent', 'invoke_agent', 1],
    ['retriever', 'retrieval', 'retrieval', 0],
    ['chain', 'workflow', 'chain', 1],
    ['event', 'other', 'event', 0],
    ['guardrail', 'other', 'guardrail', 0],
    ['evaluator', 'other', 'evaluator', 0],
  ] as const)('maps observation type %s to kind %s, operation %s', (type, kind, operation, isAggregate) => {
    const { row } = mapOne({ name: 'obs', attributes: { 'langfuse.observation.type': type } }, { scope });
    expect([row.convention, row.kind, row.operation, row.is_aggregate]).toEqual(['langfuse', kind, operation, isAggregate]);
  });

  it('names tool and agent observations by their span and renders their JSON input and output', () => {
    const tool = nextSpanId();
    const agent = nextSpanId();
    const toolAttributes = { 'langfuse.observation.type': 'tool' };
    const agentAttributes = { 'langfuse.observation.type': 'agent', 'langfuse.observation.metadata.ls_provider': 'anthropic' };
    const result = map(
      request({
        scope,
        spans: [
          {
            spanId: tool,
            name: 'get_weather',
            attributes: { ...toolAttributes, 'langfuse.observation.input': '{"city": "Paris"}', 'langfuse.observation.output': '"rainy"' },
          },
          {
            spanId: agent,
            name: 'planner',
            attributes: {
              ...agentAttributes,
              'langfuse.observation.input': '{"role":"user","content":"Weather?"}',
              'langfuse.observation.output': 'It rains.',
            },
          },
        ],
      }),
    );
    const [toolRow, agentRow] = result.events.map((event) => event.row);
    const shared = { provider: null, model: null, request_model: null, ...NO_USAGE, ...NO_ERROR, ...NO_IDENTITY };
    expectRow(toolRow as never, {
      ...common(tool, scope, 'get_weather'),
      ...shared,
      convention: 'langfuse',
      kind: 'tool',
      is_aggregate: 0,
      operation: 'execute_tool',
      ...texts('{"city":"Paris"}', 'rainy'),
      tool_name: 'get_weather',
      attributes: toolAttributes,
    } satisfies ExpectedRow);
    // A LangChain run traced by Langfuse's callback handler keeps ls_provider in its metadata.
    expectRow(agentRow as never, {
      ...common(agent, scope, 'planner'),
      ...shared,
      provider: 'anthropic',
      convention: 'langfuse',
      kind: 'agent',
      is_aggregate: 1,
      operation: 'invoke_agent',
      ...texts('user: Weather?', 'It rains.'),
      agent_name: 'planner',
      attributes: agentAttributes,
    } satisfies ExpectedRow);
  });

  it('leaves an untyped span with gen_ai.* keys to its family, though Langfuse metadata was propagated onto it', () => {
    const { row } = mapOne({ attributes: { 'gen_ai.operation.name': 'chat', 'langfuse.observation.metadata.team': 'a' } });
    expect([row.convention, row.kind]).toEqual(['otel', 'llm']);
  });
});

describe('Pydantic AI / Logfire (scope pydantic-ai)', () => {
  const scope = 'pydantic-ai';
  const usage = { 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 10 };

  it('version 1: the agent run span with all_messages_events and final_result is an aggregate agent row', () => {
    const spanId = nextSpanId();
    const metadata = { model_name: 'gpt-4o', agent_name: 'weather_agent', 'logfire.msg': 'weather_agent run', ...usage };
    const { row } = mapOne(
      {
        spanId,
        name: 'agent run',
        attributes: {
          ...metadata,
          all_messages_events: JSON.stringify([
            { 'event.name': 'gen_ai.system.message', role: 'system', content: 'Be terse.' },
            { 'event.name': 'gen_ai.user.message', role: 'user', content: 'Weather in Paris?' },
            { 'event.name': 'gen_ai.choice', index: 0, message: { role: 'assistant', content: 'Rainy.' } },
          ]),
          final_result: 'Rainy.',
        },
      },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'agent run'),
      convention: 'pydantic-ai',
      kind: 'agent',
      is_aggregate: 1,
      operation: 'invoke_agent',
      provider: null,
      model: 'gpt-4o',
      request_model: 'gpt-4o',
      ...texts('system: Be terse.\n\nuser: Weather in Paris?', 'Rainy.'),
      ...NO_USAGE,
      input_tokens: 50,
      output_tokens: 10,
      total_tokens: 60,
      ...NO_ERROR,
      ...NO_IDENTITY,
      agent_name: 'weather_agent',
      attributes: metadata,
    });
  });

  it('version 2: pydantic_ai.all_messages after the system instructions; the model span with operation.cost', () => {
    const agent = nextSpanId();
    const model = nextSpanId();
    const agentMetadata = { model_name: 'gpt-4o', agent_name: 'weather_agent', 'gen_ai.agent.name': 'weather_agent', ...usage };
    const modelMetadata = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-9',
      'gen_ai.response.finish_reasons': ['stop'],
      'operation.cost': 0.00021,
      model_request_parameters: '{"function_tools":[]}',
      ...usage,
    };
    const conversation = [
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'Rainy.' }], finish_reason: 'stop' },
    ];
    const result = map(
      request({
        scope,
        spans: [
          {
            spanId: agent,
            name: 'agent run',
            attributes: {
              ...agentMetadata,
              'gen_ai.system_instructions': '[{"type":"text","content":"Be terse."}]',
              'pydantic_ai.all_messages': JSON.stringify(conversation),
              final_result: 'Rainy.',
            },
          },
          {
            spanId: model,
            parentSpanId: agent,
            name: 'chat gpt-4o',
            attributes: {
              ...modelMetadata,
              'gen_ai.system_instructions': '[{"type":"text","content":"Be terse."}]',
              'gen_ai.input.messages': JSON.stringify(conversation.slice(0, 1)),
              'gen_ai.output.messages': JSON.stringify(conversation.slice(1)),
            },
          },
        ],
      }),
    );
    const [agentRow, modelRow] = result.events.map((event) => event.row);
    expectRow(agentRow as never, {
      ...common(agent, scope, 'agent run'),
      convention: 'pydantic-ai',
      kind: 'agent',
      is_aggregate: 1,
      operation: 'invoke_agent',
      provider: null,
      model: 'gpt-4o',
      request_model: 'gpt-4o',
      ...texts('system: Be terse.\n\nuser: Weather in Paris?\n\nassistant: Rainy.', 'Rainy.'),
      ...NO_USAGE,
      input_tokens: 50,
      output_tokens: 10,
      total_tokens: 60,
      ...NO_ERROR,
      ...NO_IDENTITY,
      agent_name: 'weather_agent',
      attributes: agentMetadata,
    } satisfies ExpectedRow);
    expectRow(modelRow as never, {
      ...common(model, scope, 'chat gpt-4o'),
      otel_parent_span_id: agent,
      convention: 'pydantic-ai',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o',
      ...texts('system: Be terse.\n\nuser: Weather in Paris?', 'assistant: Rainy.'),
      ...NO_USAGE,
      input_tokens: 50,
      output_tokens: 10,
      total_tokens: 60,
      cost_usd: 0.00021,
      cost_source: 'reported' as const,
      ...NO_ERROR,
      finish_reasons: '["stop"]',
      ...NO_IDENTITY,
      response_id: 'chatcmpl-9',
      attributes: modelMetadata,
    } satisfies ExpectedRow);
  });

  it('tool spans: version 2 `running tool` with tool_arguments / tool_response, version 3 `execute_tool` with gen_ai.tool.call.*', () => {
    const v2 = nextSpanId();
    const v3 = nextSpanId();
    const tool = { 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_1' };
    const v2Metadata = { ...tool, 'logfire.msg': 'running tool: get_weather' };
    const v3Metadata = { ...tool, 'gen_ai.operation.name': 'execute_tool' };
    const result = map(
      request({
        scope,
        spans: [
          { spanId: v2, name: 'running tool', attributes: { ...v2Metadata, tool_arguments: '{"city":"Paris"}', tool_response: 'rainy' } },
          {
            spanId: v3,
            name: 'execute_tool get_weather',
            attributes: { ...v3Metadata, 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': 'rainy' },
          },
        ],
      }),
    );
    const rows = result.events.map((event) => event.row);
    for (const [row, spanId, name, metadata] of [
      [rows[0], v2, 'running tool', v2Metadata],
      [rows[1], v3, 'execute_tool get_weather', v3Metadata],
    ] as const) {
      expectRow(row as never, {
        ...common(spanId, scope, name),
        convention: 'pydantic-ai',
        kind: 'tool',
        is_aggregate: 0,
        operation: 'execute_tool',
        provider: null,
        model: null,
        request_model: null,
        ...texts('{"city":"Paris"}', 'rainy'),
        ...NO_USAGE,
        ...NO_ERROR,
        ...NO_IDENTITY,
        tool_name: 'get_weather',
        attributes: metadata,
      } satisfies ExpectedRow);
    }
  });

  it('version 3: the invoke_agent span', () => {
    const spanId = nextSpanId();
    const metadata = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather_agent', model_name: 'gpt-4o', ...usage };
    const { row } = mapOne(
      {
        spanId,
        name: 'invoke_agent weather_agent',
        attributes: {
          ...metadata,
          'pydantic_ai.all_messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
          final_result: 'Hello.',
        },
      },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'invoke_agent weather_agent'),
      convention: 'pydantic-ai',
      kind: 'agent',
      is_aggregate: 1,
      operation: 'invoke_agent',
      provider: null,
      model: 'gpt-4o',
      request_model: 'gpt-4o',
      ...texts('user: Hi', 'Hello.'),
      ...NO_USAGE,
      input_tokens: 50,
      output_tokens: 10,
      total_tokens: 60,
      ...NO_ERROR,
      ...NO_IDENTITY,
      agent_name: 'weather_agent',
      attributes: metadata,
    });
  });
});

describe('LangChain runs: provider and model from the run metadata', () => {
  it('OpenInference: `metadata` JSON with ls_provider / ls_model_name on an LLM span without llm.provider', () => {
    const spanId = nextSpanId();
    const scope = 'openinference.instrumentation.langchain';
    const metadata = {
      'openinference.span.kind': 'LLM',
      metadata: '{"ls_provider":"openai","ls_model_name":"gpt-4o-mini","ls_model_type":"chat","ls_temperature":0.7}',
      'llm.token_count.prompt': 20,
      'llm.token_count.completion': 5,
      'llm.token_count.total': 25,
    };
    const { row } = mapOne(
      {
        spanId,
        name: 'ChatOpenAI',
        attributes: {
          ...metadata,
          'llm.input_messages.0.message.role': 'user',
          'llm.input_messages.0.message.content': 'Hi',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': 'Hello.',
        },
      },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'ChatOpenAI'),
      convention: 'openinference',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4o-mini',
      request_model: 'gpt-4o-mini',
      ...texts('user: Hi', 'assistant: Hello.'),
      ...NO_USAGE,
      input_tokens: 20,
      output_tokens: 5,
      total_tokens: 25,
      ...NO_ERROR,
      ...NO_IDENTITY,
      attributes: metadata,
    });
  });

  it('OpenLLMetry: association properties, where gen_ai.system names the framework', () => {
    const spanId = nextSpanId();
    const scope = 'opentelemetry.instrumentation.langchain';
    const metadata = {
      'llm.request.type': 'chat',
      'gen_ai.system': 'Langchain',
      'traceloop.association.properties.ls_provider': 'google_vertexai',
      'traceloop.association.properties.ls_model_name': 'gemini-1.5-pro',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
    };
    const { row } = mapOne(
      { spanId, name: 'ChatVertexAI.chat', attributes: { ...metadata, 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'Hi' } },
      { scope },
    );
    expectRow(row, {
      ...common(spanId, scope, 'ChatVertexAI.chat'),
      convention: 'openllmetry',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      provider: 'gcp.vertex_ai',
      model: 'gemini-1.5-pro',
      request_model: 'gemini-1.5-pro',
      ...texts('user: Hi', null),
      ...NO_USAGE,
      input_tokens: 7,
      output_tokens: 3,
      total_tokens: 10,
      ...NO_ERROR,
      ...NO_IDENTITY,
      attributes: metadata,
    });
  });

  it('an explicit provider attribute wins over the metadata', () => {
    const { row } = mapOne({
      attributes: { 'openinference.span.kind': 'LLM', 'llm.provider': 'azure', metadata: '{"ls_provider":"openai"}' },
    });
    expect(row.provider).toBe('azure');
  });
});

describe('stack traces inside messages', () => {
  const jsStack =
    'Error: connect ECONNREFUSED 127.0.0.1:443\n    at TCPConnectWrap.afterConnect (node:net:1595:16)\n    at run (app.js:3:9)';

  it('splits a status message into its first line and the stack trace', () => {
    const result = map(request({ spans: [{ name: 'POST', statusCode: 2, statusMessage: jsStack }] }));
    expect(errorRows(result)).toMatchObject([
      {
        origin: 'span_status',
        message: 'Error: connect ECONNREFUSED 127.0.0.1:443',
        stacktrace: '    at TCPConnectWrap.afterConnect (node:net:1595:16)\n    at run (app.js:3:9)',
      },
    ]);
  });

  it('splits exception.message without exception.type or stacktrace; a Python traceback gives its last line', () => {
    const traceback = 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n    main()\nValueError: bad input';
    const { row, errors } = mapOne({
      attributes: { 'gen_ai.operation.name': 'chat' },
      statusCode: 2,
      statusMessage: traceback,
      events: [{ name: 'exception', attributes: { 'exception.message': jsStack } }],
    });
    expect(errors.map((e) => [e.message, e.stacktrace])).toEqual([
      ['Error: connect ECONNREFUSED 127.0.0.1:443', '    at TCPConnectWrap.afterConnect (node:net:1595:16)\n    at run (app.js:3:9)'],
    ]);
    expect(row.status_message).toBe('ValueError: bad input');
  });

  it('keeps the message whole when exception.type or exception.stacktrace is there', () => {
    const { errors } = mapOne({
      attributes: { 'gen_ai.operation.name': 'chat' },
      events: [
        { name: 'exception', attributes: { 'exception.type': 'Error', 'exception.message': 'line one\nline two' } },
        { name: 'exception', attributes: { 'exception.message': 'line one\nline two', 'exception.stacktrace': 'at x' } },
      ],
    });
    expect(errors.map((e) => [e.message, e.stacktrace])).toEqual([
      ['line one\nline two', null],
      ['line one\nline two', 'at x'],
    ]);
  });
});
