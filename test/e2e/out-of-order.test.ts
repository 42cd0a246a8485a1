/**
 * Every family's spans give the same rows whether a trace arrives in one request, parents first,
 * or in reverse order with one request per span (children before parents, as batching exporters
 * send them), through a real oct.
 */
import { describe, expect, it } from 'vitest';
import { startOct, waitFor, type RunningOct } from '../helpers.js';
import { keyValues, post } from '../logs-fixture.js';

const T0 = 1_760_000_000_000n * 1_000_000n;
const MS = 1_000_000n;

interface SpanSpec {
  /** Index in the family's trace; the parent is given by index too. */
  parent?: number;
  name: string;
  /** Start and end in ms after T0. */
  at: [number, number];
  attributes: Record<string, unknown>;
}

interface FamilySpec {
  scope: string;
  spans: SpanSpec[];
}

const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
const usage = { 'gen_ai.usage.input_tokens': 20, 'gen_ai.usage.output_tokens': 5 };

/** Per family: an outer span, a model call and a tool call (some with a double-traced model call). */
const FAMILIES: Record<string, FamilySpec> = {
  otel: {
    scope: 'opentelemetry.instrumentation.openai_v2',
    spans: [
      {
        name: 'invoke_agent planner',
        at: [0, 900],
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
      },
      {
        parent: 0,
        name: 'chat gpt-4o',
        at: [10, 500],
        attributes: { ...chat, ...usage, 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]' },
      },
      // The provider SDK's own span for the same call.
      {
        parent: 1,
        name: 'openai.chat.completions',
        at: [12, 498],
        attributes: { ...chat, 'gen_ai.response.model': 'gpt-4o-2024-08-06', ...usage },
      },
      {
        parent: 0,
        name: 'execute_tool lookup',
        at: [600, 700],
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' },
      },
    ],
  },
  openllmetry: {
    scope: 'opentelemetry.instrumentation.openai.v1',
    spans: [
      { name: 'support.workflow', at: [0, 900], attributes: { 'traceloop.span.kind': 'workflow', 'traceloop.entity.name': 'support' } },
      {
        parent: 0,
        name: 'openai.chat',
        at: [10, 500],
        attributes: {
          'llm.request.type': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.prompt_tokens': 20,
          'gen_ai.usage.completion_tokens': 5,
          'llm.usage.total_tokens': 25,
          'gen_ai.prompt.0.role': 'user',
          'gen_ai.prompt.0.content': 'Hi',
        },
      },
    ],
  },
  openinference: {
    scope: 'openinference.instrumentation.langchain',
    spans: [
      { name: 'RunnableSequence', at: [0, 900], attributes: { 'openinference.span.kind': 'CHAIN', 'input.value': 'Hi' } },
      {
        parent: 0,
        name: 'ChatOpenAI',
        at: [10, 500],
        attributes: {
          'openinference.span.kind': 'LLM',
          metadata: '{"ls_provider":"openai","ls_model_name":"gpt-4o"}',
          'llm.token_count.prompt': 20,
          'llm.token_count.completion': 5,
        },
      },
      // OpenInference's OpenAI instrumentation beneath LangChain's: the same call.
      {
        parent: 1,
        name: 'ChatCompletion',
        at: [11, 499],
        attributes: {
          'openinference.span.kind': 'LLM',
          'llm.provider': 'openai',
          'llm.model_name': 'gpt-4o-2024-08-06',
          'llm.token_count.prompt': 20,
          'llm.token_count.completion': 5,
        },
      },
    ],
  },
  vercel: {
    scope: 'ai',
    spans: [
      { name: 'ai.generateText', at: [0, 900], attributes: { 'ai.operationId': 'ai.generateText', 'ai.usage.promptTokens': 20 } },
      {
        parent: 0,
        name: 'ai.generateText.doGenerate',
        at: [10, 500],
        attributes: {
          'ai.operationId': 'ai.generateText.doGenerate',
          'ai.model.id': 'gpt-4o',
          'ai.model.provider': 'openai.chat',
          'ai.usage.promptTokens': 20,
        },
      },
      { parent: 0, name: 'ai.toolCall', at: [600, 700], attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'lookup' } },
    ],
  },
  openlit: {
    scope: 'openlit.otel.tracing',
    spans: [
      { name: 'invoke_agent', at: [0, 900], attributes: { 'gen_ai.operation.name': 'invoke_agent', 'telemetry.sdk.name': 'openlit' } },
      {
        parent: 0,
        name: 'chat gpt-4o',
        at: [10, 500],
        attributes: { ...chat, ...usage, 'gen_ai.usage.cost': 0.001, 'gen_ai.prompt': 'user: Hi' },
      },
    ],
  },
  'pydantic-ai': {
    scope: 'pydantic-ai',
    spans: [
      { name: 'agent run', at: [0, 900], attributes: { agent_name: 'agent', model_name: 'gpt-4o', final_result: 'Hello.', ...usage } },
      {
        parent: 0,
        name: 'chat gpt-4o',
        at: [10, 500],
        attributes: { ...chat, 'gen_ai.system': 'openai', ...usage, 'operation.cost': 0.002 },
      },
      { parent: 0, name: 'running tool', at: [600, 700], attributes: { 'gen_ai.tool.name': 'lookup', tool_arguments: '{"q":"x"}' } },
    ],
  },
  langfuse: {
    scope: 'langfuse-sdk',
    spans: [
      { name: 'handle', at: [0, 900], attributes: { 'langfuse.observation.type': 'span', 'langfuse.observation.input': '"Hi"' } },
      {
        parent: 0,
        name: 'llm',
        at: [10, 500],
        attributes: {
          'langfuse.observation.type': 'generation',
          'langfuse.observation.model.name': 'gpt-4o',
          'langfuse.observation.usage_details': '{"input":20,"output":5}',
          'langfuse.observation.level': 'ERROR',
          'langfuse.observation.status_message': 'rate limited',
        },
      },
    ],
  },
};

const spanIdOf = (i: number) => (i + 1).toString(16).padStart(16, '0');

function otlpSpan(traceId: string, spec: SpanSpec, i: number) {
  return {
    traceId,
    spanId: spanIdOf(i),
    ...(spec.parent === undefined ? {} : { parentSpanId: spanIdOf(spec.parent) }),
    name: spec.name,
    kind: 1,
    startTimeUnixNano: String(T0 + BigInt(spec.at[0]) * MS),
    endTimeUnixNano: String(T0 + BigInt(spec.at[1]) * MS),
    attributes: keyValues(spec.attributes),
  };
}

const body = (scope: string, spans: unknown[]) =>
  JSON.stringify({
    resourceSpans: [{ resource: { attributes: keyValues({ 'service.name': 'svc' }) }, scopeSpans: [{ scope: { name: scope }, spans }] }],
  });

async function send(oct: RunningOct, scope: string, spans: unknown[]) {
  const res = await post(oct.url, '/v1/traces', body(scope, spans));
  expect(res.status, res.body.toString()).toBe(200);
  // Each request is written before the next one is sent, so they land in different batches.
  await waitFor(() => oct.runtime.health().pipeline.pending === 0, 3_000, 'the write');
}

type Row = Record<string, unknown>;

/** A trace's rows by span id, without what differs between two sends of the same spans. */
function rowsOf(oct: RunningOct, traceId: string, table: 'traces' | 'errors'): Row[] {
  const rows = oct.db.prepare(`SELECT * FROM ${table} WHERE otel_trace_id = ? ORDER BY otel_span_id`).all(traceId) as Row[];
  return rows.map(({ trace_id: _id, llm_trace_id: llm, created_at: _created, otel_trace_id: _trace, ...rest }) => ({
    ...rest,
    ...(table === 'errors' ? { linked: llm !== null } : {}),
  }));
}

describe('spans in reverse order, one request each, give the same rows as one request', () => {
  it.each(Object.entries(FAMILIES))('%s', async (family, spec) => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const inOrder = '0'.repeat(31) + '1';
    const reversed = '0'.repeat(31) + '2';
    await send(
      oct,
      spec.scope,
      spec.spans.map((s, i) => otlpSpan(inOrder, s, i)),
    );
    for (let i = spec.spans.length - 1; i >= 0; i--) await send(oct, spec.scope, [otlpSpan(reversed, spec.spans[i], i)]);

    const expected = rowsOf(oct, inOrder, 'traces');
    expect(expected).toHaveLength(spec.spans.length);
    expect(new Set(expected.map((row) => row.convention))).toEqual(new Set([family]));
    expect(rowsOf(oct, reversed, 'traces')).toEqual(expected);
    expect(rowsOf(oct, reversed, 'errors')).toEqual(rowsOf(oct, inOrder, 'errors'));
  });

  it.each([
    ['parent first', false],
    ['child first', true],
  ])('marks a double-traced call, %s, one request each, and counts its tokens once', async (_order, reverse) => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const traceId = '0'.repeat(31) + '3';
    const spans = FAMILIES.otel.spans.map((s, i) => otlpSpan(traceId, s, i));
    for (const span of reverse ? spans.reverse() : spans) await send(oct, FAMILIES.otel.scope, [span]);
    const rows = oct.db.prepare('SELECT span_name, is_aggregate FROM traces WHERE otel_trace_id = ? ORDER BY otel_span_id').all(traceId);
    expect(rows).toEqual([
      { span_name: 'invoke_agent planner', is_aggregate: 1 },
      { span_name: 'chat gpt-4o', is_aggregate: 1 },
      { span_name: 'openai.chat.completions', is_aggregate: 0 },
      { span_name: 'execute_tool lookup', is_aggregate: 0 },
    ]);
    const modelCalls = "is_aggregate = 0 AND kind IN ('llm', 'embedding')";
    const tokens = oct.db.prepare(`SELECT sum(input_tokens) AS input FROM traces WHERE otel_trace_id = ? AND ${modelCalls}`).get(traceId);
    expect(tokens).toEqual({ input: 20 });
  });
});
