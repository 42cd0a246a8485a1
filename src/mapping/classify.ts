/**
 * GenAI detection (which attribute family a span uses), kind, operation and is_aggregate. The
 * first source that yields a kind wins: Langfuse's `langfuse.observation.type`,
 * `gen_ai.operation.name`, `openinference.span.kind`, OpenLLMetry's `llm.request.type` and
 * `traceloop.span.kind`, Vercel's `ai.operationId`, Pydantic AI's agent-run keys.
 */
import type { TraceKind } from '../model/events.js';
import { isPresent, toStr } from './attributes.js';
import { isKnownOperation, kindOfOperation } from './operations.js';
import type { SpanView } from './span-view.js';

export type Family = 'otel' | 'openllmetry' | 'openinference' | 'vercel' | 'openlit' | 'pydantic-ai' | 'langfuse';

export interface Classification {
  kind: TraceKind;
  isAggregate: 0 | 1;
  operation: string | null;
}

const OPENLLMETRY_KEYS = ['llm.request.type', 'traceloop.span.kind', 'traceloop.entity.name'];
export const LANGFUSE_TYPE = 'langfuse.observation.type';

/** Langfuse observation types: the kind, and the OTel operation name where one means the same. */
const BY_LANGFUSE_TYPE = new Map<string, { kind: TraceKind; operation: string }>([
  ['generation', { kind: 'llm', operation: 'chat' }],
  ['embedding', { kind: 'embedding', operation: 'embeddings' }],
  ['tool', { kind: 'tool', operation: 'execute_tool' }],
  ['agent', { kind: 'agent', operation: 'invoke_agent' }],
  ['retriever', { kind: 'retrieval', operation: 'retrieval' }],
  ['chain', { kind: 'workflow', operation: 'chain' }],
  ['span', { kind: 'workflow', operation: 'span' }],
  ['event', { kind: 'other', operation: 'event' }],
  ['guardrail', { kind: 'other', operation: 'guardrail' }],
  ['evaluator', { kind: 'other', operation: 'evaluator' }],
]);
/** Pydantic AI's agent run span (`agent run`, v3 `invoke_agent {name}`) carries no operation name before v3. */
const PYDANTIC_AGENT_KEYS = ['pydantic_ai.all_messages', 'all_messages_events', 'final_result', 'agent_name'];

const KIND_BY_OPENINFERENCE = new Map<string, TraceKind>([
  ['LLM', 'llm'],
  ['EMBEDDING', 'embedding'],
  ['TOOL', 'tool'],
  ['AGENT', 'agent'],
  ['RETRIEVER', 'retrieval'],
  ['RERANKER', 'retrieval'],
  ['CHAIN', 'workflow'],
  ['GUARDRAIL', 'other'],
  ['EVALUATOR', 'other'],
  ['PROMPT', 'other'],
]);
const KIND_BY_REQUEST_TYPE = new Map<string, TraceKind>([
  ['chat', 'llm'],
  ['completion', 'llm'],
  ['embedding', 'embedding'],
  ['rerank', 'retrieval'],
]);
const KIND_BY_TRACELOOP = new Map<string, TraceKind>([
  ['tool', 'tool'],
  ['agent', 'agent'],
  ['workflow', 'workflow'],
  ['task', 'workflow'],
]);
const KIND_BY_VERCEL_OPERATION = new Map<string, TraceKind>([
  ['ai.embed.doEmbed', 'embedding'],
  ['ai.embedMany.doEmbed', 'embedding'],
  ['ai.toolCall', 'tool'],
  // Outer spans: their usage repeats the do* children's.
  ['ai.generateText', 'agent'],
  ['ai.streamText', 'agent'],
  ['ai.generateObject', 'agent'],
  ['ai.streamObject', 'agent'],
  ['ai.embed', 'workflow'],
  ['ai.embedMany', 'workflow'],
]);
const VERCEL_MODEL_CALL = /^ai\.\w+\.do(Generate|Stream)$/;

const OPERATION_BY_OPENINFERENCE = new Map([
  ['LLM', 'chat'],
  ['EMBEDDING', 'embeddings'],
  ['TOOL', 'execute_tool'],
  ['AGENT', 'invoke_agent'],
  ['RETRIEVER', 'retrieval'],
  ['CHAIN', 'chain'],
]);
const OPERATION_BY_REQUEST_TYPE = new Map([
  ['chat', 'chat'],
  ['completion', 'text_completion'],
  ['embedding', 'embeddings'],
  ['rerank', 'rerank'],
]);
const TOOL_KEYS = ['gen_ai.tool.name', 'gen_ai.tool.call.id'];
const MODEL_KEYS = ['gen_ai.request.model', 'gen_ai.response.model', 'llm.model_name', 'ai.model.id'];

/** The attribute family of a GenAI span, or null for a span that is not GenAI. */
export function detectFamily(view: SpanView): Family | null {
  const attrs = view.attrs;
  // A typed observation is Langfuse's even with `gen_ai.*` keys set by hand; an untyped span with
  // `gen_ai.*` keys is another family's, whatever Langfuse metadata was propagated onto it.
  if (view.hasLangfuseKey && (attrs.has(LANGFUSE_TYPE) || !view.hasGenAiKey)) return 'langfuse';
  if (view.hasGenAiKey) return refineGenAiFamily(view);
  if (attrs.has('openinference.span.kind')) return 'openinference';
  if (isOpenLlmetry(view)) return 'openllmetry';
  if (isVercel(view)) return 'vercel';
  if (view.hasOpenInferenceKey) return 'openinference';
  if (view.span.events.some((event) => event.name.startsWith('gen_ai.'))) return refineGenAiFamily(view);
  if (view.scopeName === 'pydantic-ai') return 'pydantic-ai';
  return null;
}

/** `gen_ai.*` is shared by every family; the other markers say who emitted it. */
function refineGenAiFamily(view: SpanView): Family {
  if (view.attrs.has('openinference.span.kind')) return 'openinference';
  if (isVercel(view)) return 'vercel';
  if (isOpenLit(view)) return 'openlit';
  if (view.scopeName === 'pydantic-ai') return 'pydantic-ai';
  // Indexed `gen_ai.prompt.<N>.*` / `gen_ai.completion.<N>.*` are OpenLLMetry's, not the spec's.
  if (isOpenLlmetry(view) || view.keysOf('gen_ai.prompt.').length > 0 || view.keysOf('gen_ai.completion.').length > 0) {
    return 'openllmetry';
  }
  return 'otel';
}

function isOpenLlmetry(view: SpanView): boolean {
  return view.hasLlmUsageKey || OPENLLMETRY_KEYS.some((key) => view.attrs.has(key));
}

function isVercel(view: SpanView): boolean {
  return view.scopeName === 'ai' || vercelOperationId(view) !== null;
}

function isOpenLit(view: SpanView): boolean {
  const sdk = view.attrs.get('telemetry.sdk.name') ?? view.resource.get('telemetry.sdk.name');
  return sdk === 'openlit' || view.attrs.has('gen_ai.usage.cost');
}

/** `ai.operationId`, else the first word of `operation.name` ("ai.generateText myFunction"). */
function vercelOperationId(view: SpanView): string | null {
  const id = toStr(view.attrs.get('ai.operationId'));
  if (id !== null) return id;
  const operationName = toStr(view.attrs.get('operation.name'));
  return operationName?.startsWith('ai.') ? operationName.split(' ', 1)[0] : null;
}

export function classify(view: SpanView): Classification {
  const kind = kindOf(view);
  return { kind, isAggregate: kind === 'agent' || kind === 'workflow' ? 1 : 0, operation: operationOf(view) };
}

function kindOf(view: SpanView): TraceKind {
  const attrs = view.attrs;
  const vercelOperation = vercelOperationId(view);
  const kind =
    langfuseType(view)?.kind ??
    kindOfOperation(toStr(attrs.get('gen_ai.operation.name'))) ??
    KIND_BY_OPENINFERENCE.get(upper(attrs.get('openinference.span.kind'))) ??
    KIND_BY_REQUEST_TYPE.get(lower(attrs.get('llm.request.type'))) ??
    KIND_BY_TRACELOOP.get(lower(attrs.get('traceloop.span.kind'))) ??
    (vercelOperation === null ? undefined : vercelKind(vercelOperation)) ??
    pydanticAgentKind(view);
  if (kind !== undefined) return kind;
  if (TOOL_KEYS.some((key) => isPresent(attrs.get(key)))) return 'tool';
  if (MODEL_KEYS.some((key) => isPresent(attrs.get(key)))) return 'llm';
  return 'other';
}

/** Python SDK ≤ 3.3 sent generations without a type, recognisable by their keys. */
const LANGFUSE_GENERATION_KEYS = [
  'langfuse.observation.model.name',
  'langfuse.observation.usage_details',
  'langfuse.observation.cost_details',
  'langfuse.observation.completion_start_time',
];

function langfuseType(view: SpanView): { kind: TraceKind; operation: string } | undefined {
  if (!view.hasLangfuseKey) return undefined;
  const type = lower(view.attrs.get(LANGFUSE_TYPE)) || (LANGFUSE_GENERATION_KEYS.some((key) => view.attrs.has(key)) ? 'generation' : '');
  return BY_LANGFUSE_TYPE.get(type);
}

function pydanticAgentKind(view: SpanView): TraceKind | undefined {
  return view.scopeName === 'pydantic-ai' && PYDANTIC_AGENT_KEYS.some((key) => view.attrs.has(key)) ? 'agent' : undefined;
}

function vercelKind(operationId: string): TraceKind | undefined {
  return VERCEL_MODEL_CALL.test(operationId) ? 'llm' : KIND_BY_VERCEL_OPERATION.get(operationId);
}

/** Vercel model and tool calls get the OTel operation names dashboards group by; outer spans keep their id. */
function vercelOperation(operationId: string | null): string | null {
  if (operationId === null) return null;
  if (VERCEL_MODEL_CALL.test(operationId)) return 'chat';
  const kind = KIND_BY_VERCEL_OPERATION.get(operationId);
  return kind === 'embedding' ? 'embeddings' : kind === 'tool' ? 'execute_tool' : operationId;
}

function operationOf(view: SpanView): string | null {
  const attrs = view.attrs;
  return (
    langfuseType(view)?.operation ??
    toStr(attrs.get('gen_ai.operation.name')) ??
    OPERATION_BY_OPENINFERENCE.get(upper(attrs.get('openinference.span.kind'))) ??
    OPERATION_BY_REQUEST_TYPE.get(lower(attrs.get('llm.request.type'))) ??
    toStr(attrs.get('traceloop.span.kind')) ??
    vercelOperation(vercelOperationId(view)) ??
    (pydanticAgentKind(view) === undefined ? null : 'invoke_agent') ??
    spanNameOperation(view.span.name) ??
    (TOOL_KEYS.some((key) => isPresent(attrs.get(key))) ? 'execute_tool' : null)
  );
}

/** A known operation as the first word of the span name (`chat gpt-4o`). */
function spanNameOperation(name: string): string | null {
  const firstWord = name.split(' ', 1)[0];
  return isKnownOperation(firstWord) ? firstWord : null;
}

const lower = (value: unknown) => toStr(value)?.toLowerCase() ?? '';
const upper = (value: unknown) => toStr(value)?.toUpperCase() ?? '';
