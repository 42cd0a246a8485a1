/**
 * input_text / output_text: the first content carrier present on the span, in a fixed order per
 * kind (current spec keys first, then older and other families' carriers). Each result names the
 * attribute keys it used, so `attributes` does not store the same content a second time.
 */
import type { TraceKind } from '../model/events.js';
import {
  choiceEventsOutput,
  detailsInput,
  detailsOutput,
  eventAttribute,
  flattenedMessages,
  flattenedTexts,
  jsonValues,
  langfuseContent,
  messageEventsInput,
  messageList,
  openInferenceMessage,
  otelInput,
  otelOutput,
  plain,
  pydanticAllMessages,
  pydanticEvents,
  retrievalDocuments,
  vercelPrompt,
  vercelResponse,
  vercelToolCalls,
  type Carrier,
  type Content,
} from './carriers.js';
import { BLOCK_SEPARATOR, CHOICE_SEPARATOR } from '../model/content.js';
import type { SpanView } from './span-view.js';

const LANGFUSE_INPUT = langfuseContent('langfuse.observation.input', BLOCK_SEPARATOR);
const LANGFUSE_OUTPUT = langfuseContent('langfuse.observation.output', CHOICE_SEPARATOR);

const MODEL_CALL = {
  input: [
    LANGFUSE_INPUT,
    otelInput,
    detailsInput,
    flattenedMessages('llm.input_messages.', BLOCK_SEPARATOR, openInferenceMessage),
    flattenedMessages('gen_ai.prompt.', BLOCK_SEPARATOR),
    plain('gen_ai.prompt'),
    eventAttribute('gen_ai.content.prompt', 'gen_ai.prompt'),
    messageEventsInput,
    messageList('ai.prompt.messages'),
    vercelPrompt,
    flattenedTexts('llm.prompts.', 'prompt', BLOCK_SEPARATOR),
    pydanticEvents(false),
    plain('input.value'),
    jsonValues('ai.value'),
    jsonValues('ai.values'),
    flattenedTexts('embedding.embeddings.', 'embedding', BLOCK_SEPARATOR),
    plain('traceloop.entity.input'),
  ],
  output: [
    LANGFUSE_OUTPUT,
    otelOutput,
    detailsOutput,
    flattenedMessages('llm.output_messages.', CHOICE_SEPARATOR, openInferenceMessage),
    flattenedMessages('gen_ai.completion.', CHOICE_SEPARATOR),
    plain('gen_ai.completion'),
    eventAttribute('gen_ai.content.completion', 'gen_ai.completion'),
    choiceEventsOutput,
    vercelResponse,
    plain('ai.result.text'),
    plain('ai.response.object'),
    plain('ai.result.object'),
    vercelToolCalls,
    flattenedTexts('llm.choices.', 'completion', CHOICE_SEPARATOR),
    pydanticEvents(true),
    plain('output.value'),
    plain('traceloop.entity.output'),
  ],
};

const TOOL = {
  input: [
    LANGFUSE_INPUT,
    ...[
      'gen_ai.tool.call.arguments',
      'ai.toolCall.args',
      'ai.toolCall.input',
      'tool_arguments',
      'input.value',
      'traceloop.entity.input',
    ].map(plain),
  ],
  output: [
    LANGFUSE_OUTPUT,
    ...[
      'gen_ai.tool.call.result',
      'ai.toolCall.result',
      'ai.toolCall.output',
      'tool_response',
      'output.value',
      'traceloop.entity.output',
    ].map(plain),
  ],
};

/** Outputs mirror the inputs, plus Pydantic AI's agent keys. */
const AGGREGATE = {
  input: [
    LANGFUSE_INPUT,
    pydanticAllMessages,
    otelInput,
    plain('input.value'),
    plain('traceloop.entity.input'),
    vercelPrompt,
    pydanticEvents(false, 'all_messages_events'),
  ],
  output: [
    LANGFUSE_OUTPUT,
    otelOutput,
    plain('output.value'),
    plain('traceloop.entity.output'),
    vercelResponse,
    plain('ai.response.object'),
    plain('final_result'),
    pydanticEvents(true, 'all_messages_events'),
  ],
};

const RETRIEVAL = {
  input: [LANGFUSE_INPUT, plain('gen_ai.retrieval.query.text'), plain('input.value')],
  output: [LANGFUSE_OUTPUT, plain('gen_ai.retrieval.documents'), retrievalDocuments, plain('output.value')],
};

const CARRIERS: Record<TraceKind, { input: Carrier[]; output: Carrier[] }> = {
  llm: MODEL_CALL,
  embedding: MODEL_CALL,
  other: MODEL_CALL,
  tool: TOOL,
  agent: AGGREGATE,
  workflow: AGGREGATE,
  retrieval: RETRIEVAL,
};

export function contentOf(view: SpanView, kind: TraceKind): { input: Content | null; output: Content | null } {
  const carriers = CARRIERS[kind];
  return { input: firstContent(view, carriers.input), output: firstContent(view, carriers.output) };
}

function firstContent(view: SpanView, carriers: readonly Carrier[]): Content | null {
  for (const carrier of carriers) {
    const found = carrier(view);
    if (found !== null) return found;
  }
  return null;
}
