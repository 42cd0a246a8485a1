/**
 * Content carriers: each reads one place where a family puts prompt or completion content
 * (an attribute, a flattened list, a span event) and renders it to text, or returns null when
 * the span has nothing there. `content.ts` orders them per kind.
 */
import type { Attributes } from '../model/otlp.js';
import { isPresent, isRecord, parseJsonText, plainObject, structured, toPlain, toStr, type PlainObject } from './attributes.js';
import { MAX_ITEMS_PER_SPAN as MAX_ITEMS } from '../model/limits.js';
import { BLOCK_SEPARATOR, CHOICE_SEPARATOR } from '../model/content.js';
import {
  compactJson,
  messageFrom,
  messagesFrom,
  renderBlocks,
  renderContent,
  renderToolCall,
  valueText,
  withoutBlobs,
  type Message,
} from './render.js';
import type { FlatPrefix, SpanView } from './span-view.js';

export interface Content {
  text: string;
  /** Span attribute keys rendered into `text`. */
  keys: readonly string[];
}

export type Carrier = (view: SpanView) => Content | null;

export const SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const INPUT_MESSAGES = 'gen_ai.input.messages';
export const OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';
export const CHOICE_EVENT = 'gen_ai.choice';
/** The deprecated per-message events (span events here, log records in map-logs.ts) and their role. */
export const ROLE_BY_EVENT: ReadonlyMap<string, string> = new Map([
  ['gen_ai.system.message', 'system'],
  ['gen_ai.user.message', 'user'],
  ['gen_ai.assistant.message', 'assistant'],
  ['gen_ai.tool.message', 'tool'],
]);

const content = (text: string, keys: readonly string[]): Content | null => (text === '' ? null : { text, keys });

/** A text attribute stored as is; a structured value as compact JSON. */
export const plain =
  (key: string): Carrier =>
  (view) => {
    const value = view.attrs.get(key);
    if (!isPresent(value)) return null;
    return content(typeof value === 'string' ? withoutBlobs(value) : compactJson(toPlain(value)), [key]);
  };

/** An attribute holding a list of messages (JSON string or structured). */
export const messageList =
  (key: string): Carrier =>
  (view) => {
    const value = view.json(key);
    return isPresent(value) ? content(renderBlocks(messagesFrom(value)), [key]) : null;
  };

/** Flattened indexed messages (`gen_ai.prompt.<N>.*`, `llm.input_messages.<N>.message.*`). */
export const flattenedMessages =
  (prefix: FlatPrefix, separator: string, normalise: (item: unknown) => unknown = (item) => item): Carrier =>
  (view) => {
    if (view.keysOf(prefix).length === 0) return null;
    return content(renderBlocks(messagesFrom(view.items(prefix).map(normalise)), separator), view.keysOf(prefix));
  };

/** Flattened indexed texts: `llm.prompts.<N>.prompt.text` → field `prompt`. */
export const flattenedTexts =
  (prefix: FlatPrefix, field: string, separator: string): Carrier =>
  (view) => {
    if (view.keysOf(prefix).length === 0) return null;
    const texts = view.items(prefix).map((item) => (isRecord(item) && isRecord(item[field]) ? item[field].text : item));
    return content(
      texts
        .map(valueText)
        .filter((t) => t !== '')
        .join(separator),
      view.keysOf(prefix),
    );
  };

/** An attribute of the first span event with that name (events are not stored in `attributes`). */
export const eventAttribute =
  (eventName: string, key: string): Carrier =>
  (view) => {
    const value = view.span.events.find((event) => event.name === eventName)?.attributes.get(key);
    return isPresent(value) ? content(valueText(toPlain(value)), []) : null;
  };

/** JSON-encoded values (`ai.value`, or each item of `ai.values`), decoded and listed. */
export const jsonValues =
  (key: string): Carrier =>
  (view) => {
    const value = view.attrs.get(key);
    if (!isPresent(value)) return null;
    const items = (Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [value]).map((item) => valueText(structured(item)));
    return content(items.filter((t) => t !== '').join(BLOCK_SEPARATOR), [key]);
  };

/**
 * System instructions and messages. Instructions alone are not the conversation: the messages
 * may be in the span's details event (or, when they come as log records, joined in storage).
 */
export function otelInput(view: SpanView): Content | null {
  const keys = [SYSTEM_INSTRUCTIONS, INPUT_MESSAGES].filter((key) => view.attrs.has(key));
  if (keys.length === 0) return null;
  const messages = view.attrs.has(INPUT_MESSAGES)
    ? view.json(INPUT_MESSAGES)
    : structured(detailsEventAttributes(view)?.get(INPUT_MESSAGES));
  return otelMessages(view.json(SYSTEM_INSTRUCTIONS), messages, keys);
}

/** The span carries instructions but no messages of its own (see `otelInput`). */
export function onlySystemInstructions(view: SpanView): boolean {
  return (
    isPresent(view.json(SYSTEM_INSTRUCTIONS)) &&
    !isPresent(view.json(INPUT_MESSAGES)) &&
    !isPresent(structured(detailsEventAttributes(view)?.get(INPUT_MESSAGES)))
  );
}

/** The span's system instructions as one rendered `system: …` block. */
export function systemInstructionsBlock(view: SpanView): string {
  return renderBlocks([{ role: 'system', body: renderContent(view.json(SYSTEM_INSTRUCTIONS)) }]);
}

export function otelOutput(view: SpanView): Content | null {
  const messages = view.json(OUTPUT_MESSAGES);
  return isPresent(messages) ? content(renderBlocks(messagesFrom(messages), CHOICE_SEPARATOR), [OUTPUT_MESSAGES]) : null;
}

/** System instructions first, as a `system` message, then the chat history. */
function otelMessages(system: unknown, messages: unknown, keys: readonly string[]): Content | null {
  const list: Message[] = [];
  if (isPresent(system)) list.push({ role: 'system', body: renderContent(system) });
  if (isPresent(messages)) list.push(...messagesFrom(messages));
  return content(renderBlocks(list), keys);
}

/** The v1.37+ details event carries the same keys as the span would. */
function detailsEventAttributes(view: SpanView): Attributes | undefined {
  return view.span.events.find((event) => event.name === DETAILS_EVENT)?.attributes;
}

export function detailsInput(view: SpanView): Content | null {
  const attrs = detailsEventAttributes(view);
  if (attrs === undefined) return null;
  return otelMessages(structured(attrs.get(SYSTEM_INSTRUCTIONS)), structured(attrs.get(INPUT_MESSAGES)), []);
}

export function detailsOutput(view: SpanView): Content | null {
  const messages = structured(detailsEventAttributes(view)?.get(OUTPUT_MESSAGES));
  return isPresent(messages) ? content(renderBlocks(messagesFrom(messages), CHOICE_SEPARATOR), []) : null;
}

/** Deprecated per-message events `gen_ai.{system,user,assistant,tool}.message` on the span. */
export function messageEventsInput(view: SpanView): Content | null {
  if (view.span.events.length === 0) return null;
  const messages = view.span.events
    .filter((event) => ROLE_BY_EVENT.has(event.name))
    .slice(0, MAX_ITEMS)
    .map((event) => eventMessage(event.name, plainObject(event.attributes)));
  return content(renderBlocks(messages.filter((m): m is Message => m !== null)), []);
}

export function choiceEventsOutput(view: SpanView): Content | null {
  if (view.span.events.length === 0) return null;
  const messages = view
    .eventsNamed(CHOICE_EVENT)
    .slice(0, MAX_ITEMS)
    .map((event) => choiceMessage(plainObject(event.attributes)));
  return content(
    renderBlocks(
      messages.filter((m): m is Message => m !== null),
      CHOICE_SEPARATOR,
    ),
    [],
  );
}

/** Body of a per-message event: `{content, role?, tool_calls?, id?}`. */
export function eventMessage(eventName: string, fields: Record<string, unknown>): Message | null {
  const role = toStr(fields.role) ?? ROLE_BY_EVENT.get(eventName) ?? null;
  const toolCallId = role === 'tool' ? fields.id : undefined;
  return messageFrom({ role, content: fields.content, tool_calls: parsed(fields.tool_calls), tool_call_id: toolCallId });
}

/** Body of a `gen_ai.choice` event: `{index, finish_reason, message: {role, content}, tool_calls}`. */
export function choiceMessage(fields: Record<string, unknown>): Message | null {
  const message = parsed(fields.message);
  const inner = isRecord(message) ? message : {};
  return messageFrom({
    role: inner.role ?? 'assistant',
    content: inner.content ?? fields.content,
    tool_calls: parsed(fields.tool_calls ?? inner.tool_calls),
  });
}

const parsed = (value: unknown) => (typeof value === 'string' ? parseJsonText(value) : value);

/**
 * Pydantic AI v1: a JSON list of event bodies tagged with `event.name`, in attribute `events`
 * (model spans) or `all_messages_events` (agent run spans).
 */
export const pydanticEvents =
  (output: boolean, key = 'events'): Carrier =>
  (view) => {
    const events = view.json(key);
    if (!Array.isArray(events)) return null;
    const messages = events
      .filter((event): event is PlainObject => isRecord(event) && (event['event.name'] === CHOICE_EVENT) === output)
      .slice(0, MAX_ITEMS)
      .map((event) => (output ? choiceMessage(event) : eventMessage(String(event['event.name']), event)));
    const separator = output ? CHOICE_SEPARATOR : BLOCK_SEPARATOR;
    return content(
      renderBlocks(
        messages.filter((m): m is Message => m !== null),
        separator,
      ),
      [key],
    );
  };

/** Pydantic AI v2+ agent run span: the whole conversation, after the agent's system instructions. */
export function pydanticAllMessages(view: SpanView): Content | null {
  const key = 'pydantic_ai.all_messages';
  if (!view.attrs.has(key)) return null;
  const keys = view.attrs.has(SYSTEM_INSTRUCTIONS) ? [SYSTEM_INSTRUCTIONS, key] : [key];
  return otelMessages(view.json(SYSTEM_INSTRUCTIONS), view.json(key), keys);
}

/** OpenInference message `{message: {role, content | contents[], tool_calls[{tool_call}]}}` → generic shape. */
export function openInferenceMessage(item: unknown): unknown {
  const message = isRecord(item) && isRecord(item.message) ? item.message : item;
  if (!isRecord(message)) return message;
  return {
    role: message.role,
    content: message.content,
    parts: Array.isArray(message.contents) ? message.contents.map(openInferencePart) : undefined,
    tool_calls: Array.isArray(message.tool_calls)
      ? message.tool_calls.map((call: unknown) => (isRecord(call) && isRecord(call.tool_call) ? call.tool_call : call))
      : undefined,
    tool_call_id: message.tool_call_id,
  };
}

function openInferencePart(item: unknown): unknown {
  const part = isRecord(item) && isRecord(item.message_content) ? item.message_content : item;
  if (!isRecord(part) || part.type !== 'image') return part;
  const image = isRecord(part.image) && isRecord(part.image.image) ? part.image.image.url : part.image;
  return { type: 'image', image };
}

/** Vercel outer span `ai.prompt` = `{system?, prompt?, messages?}`. */
export function vercelPrompt(view: SpanView): Content | null {
  const value = view.json('ai.prompt');
  if (!isPresent(value)) return null;
  if (!isRecord(value)) return content(valueText(value), ['ai.prompt']);
  const list: Message[] = [];
  if (isPresent(value.system)) list.push({ role: 'system', body: renderContent(value.system) });
  if (typeof value.prompt === 'string') list.push({ role: 'user', body: value.prompt });
  else if (isPresent(value.prompt)) list.push(...messagesFrom(value.prompt));
  if (isPresent(value.messages)) list.push(...messagesFrom(value.messages));
  return content(renderBlocks(list), ['ai.prompt']);
}

/** `ai.response.text`, followed by the tool calls of the same response. */
export function vercelResponse(view: SpanView): Content | null {
  const text = view.attrs.get('ai.response.text');
  if (!isPresent(text)) return null;
  const pieces = [valueText(toPlain(text)), ...toolCallLines(view.json('ai.response.toolCalls'))];
  const keys = ['ai.response.text', 'ai.response.toolCalls'].filter((key) => view.attrs.has(key));
  return content(pieces.filter((p) => p !== '').join('\n'), keys);
}

export function vercelToolCalls(view: SpanView): Content | null {
  const calls = view.json('ai.response.toolCalls');
  return isPresent(calls) ? content(toolCallLines(calls).join('\n'), ['ai.response.toolCalls']) : null;
}

function toolCallLines(calls: unknown): string[] {
  if (!isPresent(calls)) return [];
  return Array.isArray(calls) ? calls.slice(0, MAX_ITEMS).map(renderToolCall) : [valueText(calls)];
}

/** OpenInference `retrieval.documents.<N>.document.{id, content, score}`. */
export function retrievalDocuments(view: SpanView): Content | null {
  const prefix = 'retrieval.documents.';
  if (view.keysOf(prefix).length === 0) return null;
  const blocks = view.items(prefix).map((item) => {
    const doc = isRecord(item) && isRecord(item.document) ? item.document : {};
    const id = toStr(doc.id);
    return `${id === null ? '[document]' : `[document ${id}]`} ${valueText(doc.content)}`;
  });
  return content(blocks.join(BLOCK_SEPARATOR), view.keysOf(prefix));
}

/**
 * Langfuse `langfuse.observation.input` / `.output`: whatever the app passed, JSON-encoded by the
 * SDK. A messages array, an object with `messages`, or one `{role, content}` message renders as
 * messages; a string as itself; any other value as compact JSON.
 */
export const langfuseContent =
  (key: string, separator: string): Carrier =>
  (view) => {
    const value = view.json(key);
    if (!isPresent(value)) return null;
    const messages = isRecord(value) && Array.isArray(value.messages) ? value.messages : value;
    if (isMessage(messages) || (Array.isArray(messages) && messages.length > 0 && messages.every(isMessage))) {
      return content(renderBlocks(messagesFrom(messages), separator), [key]);
    }
    return content(valueText(value), [key]);
  };

const isMessage = (value: unknown) => isRecord(value) && typeof value.role === 'string' && ('content' in value || 'parts' in value);
