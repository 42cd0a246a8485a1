/** Assembles the `traces` row of a GenAI span from the per-column readers. */
import { randomUUID } from 'node:crypto';
import type { TraceRow } from '../model/events.js';
import { boundedText, shortText } from '../model/text.js';
import { attributesJson, firstStr, toStr } from './attributes.js';
import { classify, type Family } from './classify.js';
import type { Content } from './carriers.js';
import { contentOf } from './content.js';
import { firstExceptionEvent, spanFailed, splitStackTrace, statusMessageOf, type SpanIdentity } from './errors.js';
import { finishReasonsOf } from './finish-reasons.js';
import { langChainMetadata, providerOf } from './provider.js';
import type { TextLimits } from './options.js';
import type { SpanView } from './span-view.js';
import { timingOf } from './timing.js';
import { usageOf } from './usage.js';

const REQUEST_MODEL_KEYS = [
  'gen_ai.request.model',
  'llm.request.model_name',
  'ai.model.id',
  'llm.model_name',
  'embedding.model_name',
  'langfuse.observation.model.name',
  // Pydantic AI's agent run span.
  'model_name',
];
const RESPONSE_MODEL_KEYS = ['gen_ai.response.model', 'llm.response.model_name', 'ai.response.model', 'llm.model_name'];
const RESPONSE_ID_KEYS = ['gen_ai.response.id', 'ai.response.id'];
const CONVERSATION_ID_KEYS = [
  'gen_ai.conversation.id',
  'session.id',
  'langfuse.session.id',
  'traceloop.association.properties.session_id',
  'ai.telemetry.metadata.sessionId',
];
const USER_ID_KEYS = [
  'user.id',
  'enduser.id',
  'langfuse.user.id',
  'traceloop.association.properties.user_id',
  'gen_ai.user',
  'llm.user',
  'gen_ai.request.user',
  'ai.telemetry.metadata.userId',
];
const TOOL_NAME_KEYS = ['gen_ai.tool.name', 'tool.name', 'ai.toolCall.name'];
const AGENT_NAME_KEYS = ['gen_ai.agent.name', 'agent.name', 'ai.telemetry.functionId', 'agent_name'];
const ENTITY_NAME = 'traceloop.entity.name';

export function traceRowOf(
  view: SpanView,
  family: Family,
  identity: SpanIdentity,
  resourceAttributes: string | null,
  limits: TextLimits,
): TraceRow {
  const { attrs, span } = view;
  const { kind, isAggregate, operation } = classify(view);
  const { input, output } = contentOf(view, kind);
  const inputText = boundedText(input?.text, limits.maxTextBytes);
  const outputText = boundedText(output?.text, limits.maxTextBytes);
  const requestModel = firstStr(attrs, REQUEST_MODEL_KEYS) ?? langChainMetadata(view, 'ls_model_name');
  const exception = firstExceptionEvent(span)?.attributes;
  const usage = usageOf(attrs);
  const status = spanFailed(span) ? 'error' : 'ok';
  // A stack trace inside the message goes to the errors row; the row keeps its first line.
  const statusMessage = shortText(splitStackTrace(statusMessageOf(span) ?? toStr(exception?.get('exception.message'))).message);
  const errorType = shortText(firstStr(attrs, ['error.type']) ?? toStr(exception?.get('exception.type')));
  const timing = timingOf(view);
  return {
    trace_id: randomUUID(),
    source: 'otlp',
    convention: family,
    kind,
    is_aggregate: isAggregate,
    operation: shortText(operation),
    otel_trace_id: identity.otel_trace_id,
    otel_span_id: identity.otel_span_id,
    otel_parent_span_id: identity.otel_parent_span_id,
    service_name: identity.service_name,
    span_name: identity.span_name,
    scope_name: shortText(view.scopeName || null),
    provider: shortText(providerOf(view)),
    model: shortText(firstStr(attrs, RESPONSE_MODEL_KEYS) ?? requestModel),
    request_model: shortText(requestModel),
    input_text: inputText.text,
    input_bytes: inputText.bytes,
    output_text: outputText.text,
    output_bytes: outputText.bytes,
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    cache_read_tokens: usage.cache_read_tokens,
    cache_write_tokens: usage.cache_write_tokens,
    reasoning_tokens: usage.reasoning_tokens,
    cost_usd: usage.cost_usd,
    cost_source: null,
    status,
    status_message: statusMessage,
    error_type: errorType,
    finish_reasons: finishReasonsOf(view),
    response_id: shortText(firstStr(attrs, RESPONSE_ID_KEYS)),
    conversation_id: shortText(firstStr(attrs, CONVERSATION_ID_KEYS)),
    user_id: shortText(firstStr(attrs, USER_ID_KEYS)),
    tool_name: shortText(nameOf(view, family, TOOL_NAME_KEYS, kind === 'tool')),
    agent_name: shortText(nameOf(view, family, AGENT_NAME_KEYS, kind === 'agent')),
    start_time: timing.start_time,
    end_time: timing.end_time,
    duration_ms: timing.duration_ms,
    ttft_ms: timing.ttft_ms,
    attributes: attributesJson(attrs, limits.maxAttributesBytes, renderedKeys(input, output)),
    resource_attributes: resourceAttributes,
  };
}

/** Attribute keys already stored as input_text / output_text. */
function renderedKeys(input: Content | null, output: Content | null): ReadonlySet<string> | undefined {
  const keys = [...(input?.keys ?? []), ...(output?.keys ?? [])];
  return keys.length === 0 ? undefined : new Set(keys);
}

/** OpenLLMetry decorator spans name their entity, Langfuse observations are named by the span. */
function nameOf(view: SpanView, family: Family, keys: readonly string[], isThisKind: boolean): string | null {
  const named = firstStr(view.attrs, keys);
  if (named !== null || !isThisKind) return named;
  return family === 'langfuse' ? view.span.name || null : toStr(view.attrs.get(ENTITY_NAME));
}
