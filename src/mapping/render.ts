/**
 * Renders chat messages to readable text: one block per message, `role: text`, blocks
 * separated by a blank line. Understands the message and
 * part shapes of every family once they are plain data: OTel `{role, parts}`, OpenAI-style
 * `{role, content, tool_calls, tool_call_id}`, Vercel parts (`tool-call`, `file`, …).
 * Base64 payloads become placeholders so they never fill the stored text.
 */
import { BLOCK_SEPARATOR } from '../model/content.js';
import { isRecord, parseJsonText, toStr } from './attributes.js';
import { MAX_ITEMS_PER_SPAN as MAX_ITEMS } from '../model/limits.js';

export interface Message {
  role: string | null;
  body: string;
}

/** Strings this long are checked for base64 / data URLs inside structured values. */
const BLOB_MIN_LENGTH = 1024;
const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/;
const DATA_URL = /^data:([^;,]*)[^,]*;base64,/;
const REMOTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Below this a media reference that is not a URL is shown (a file name, an id), not hidden. */
const INLINE_DATA_MIN_LENGTH = 256;

export function renderBlocks(messages: readonly Message[], separator = BLOCK_SEPARATOR): string {
  return messages
    .filter((m) => m.body !== '')
    .map((m) => (m.role === null ? m.body : `${m.role}: ${m.body}`))
    .join(separator);
}

/** A list of messages (or one message, or text that failed to parse as JSON). */
export function messagesFrom(value: unknown): Message[] {
  const list = Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [value];
  return list.map(messageFrom).filter((m): m is Message => m !== null);
}

export function messageFrom(value: unknown): Message | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) return { role: null, body: valueText(value) };
  const pieces = [Array.isArray(value.parts) ? renderParts(value.parts) : renderContent(value.content)];
  if (Array.isArray(value.tool_calls)) pieces.push(...value.tool_calls.slice(0, MAX_ITEMS).map(renderToolCall));
  let body = pieces.filter((piece) => piece !== '').join('\n');
  const toolCallId = toStr(value.tool_call_id);
  if (toolCallId !== null) body = `[tool_result ${toolCallId}] ${body}`;
  return { role: toStr(value.role), body };
}

/** Message content: a string (maybe a JSON list of content parts), a list of parts, or a part. */
export function renderContent(content: unknown): string {
  if (typeof content === 'string') {
    const parsed = content.startsWith('[') ? parseJsonText(content) : content;
    return Array.isArray(parsed) && parsed.every((p) => isRecord(p) && typeof p.type === 'string') ? renderParts(parsed) : content;
  }
  if (Array.isArray(content)) return renderParts(content);
  if (isRecord(content) && typeof content.type === 'string') return renderPart(content);
  return valueText(content);
}

function renderParts(parts: readonly unknown[]): string {
  return parts
    .slice(0, MAX_ITEMS)
    .map(renderPart)
    .filter((text) => text !== '')
    .join('\n');
}

function renderPart(part: unknown): string {
  if (!isRecord(part)) return valueText(part);
  switch (part.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return valueText(part.content ?? part.text);
    case 'reasoning':
    case 'thinking':
      return `[reasoning] ${valueText(part.content ?? part.text ?? part.thinking)}`;
    case 'tool_call':
    case 'tool-call':
    case 'tool_use':
    case 'function':
      return renderToolCall(part);
    case 'tool_call_response':
    case 'tool-result':
    case 'tool_result':
      return renderToolResult(part);
    case 'blob':
      return blobPlaceholder(toStr(part.modality) ?? 'blob', toStr(part.mime_type), sizeOf(part.content));
    case 'uri':
      return renderMedia(toStr(part.modality) ?? 'uri', part.uri, toStr(part.mime_type));
    case 'file':
      return part.file_id !== undefined ? `[file ${valueText(part.file_id)}]` : renderVercelFile(part);
    case 'image':
      return renderMedia('image', part.image ?? part.url, toStr(part.mimeType) ?? toStr(part.mediaType));
    case 'image_url':
      return renderMedia('image', isRecord(part.image_url) ? part.image_url.url : part.image_url, null);
    default:
      return compactJson(part);
  }
}

/** OTel `{name, arguments}`, OpenAI `{function: {name, arguments}}`, Vercel `{toolName, input|args}`. */
export function renderToolCall(call: unknown): string {
  if (!isRecord(call)) return `[tool_call ${valueText(call)}]`;
  const fn = isRecord(call.function) ? call.function : call;
  const name = toStr(fn.name) ?? toStr(call.toolName) ?? '';
  const args = fn.arguments ?? call.input ?? call.args;
  const argsText = args === undefined || args === null ? '' : valueText(args);
  return `[tool_call ${[name, argsText].filter((s) => s !== '').join(' ')}]`;
}

function renderToolResult(part: Record<string, unknown>): string {
  const id = toStr(part.id) ?? toStr(part.toolCallId) ?? toStr(part.tool_use_id) ?? '';
  let result = part.response ?? part.output ?? part.result ?? part.content;
  // AI SDK 5+ wraps tool output as {type: 'text' | 'json', value}.
  if (isRecord(result) && 'value' in result && typeof result.type === 'string') result = result.value;
  return `[tool_result ${id}] ${valueText(result)}`;
}

/** Vercel file part `{data: base64 | URL, mediaType | mimeType}`. */
function renderVercelFile(part: Record<string, unknown>): string {
  const mime = toStr(part.mediaType) ?? toStr(part.mimeType);
  const modality = mime?.match(/^(image|audio|video)\//)?.[1] ?? 'file';
  return renderMedia(modality, part.data, mime);
}

/** A URL or short reference stays visible; inline data (base64, data URL, bytes) becomes a placeholder. */
function renderMedia(modality: string, data: unknown, mime: string | null): string {
  if (typeof data === 'string') {
    const dataUrl = DATA_URL.exec(data);
    if (dataUrl) return blobPlaceholder(modality, mime ?? (dataUrl[1] || null), data.length - dataUrl[0].length);
    if (REMOTE_URL.test(data) || data.length < INLINE_DATA_MIN_LENGTH) return `[${modality} ${data}]`;
  }
  if (typeof data === 'string' || data instanceof Uint8Array) return blobPlaceholder(modality, mime, sizeOf(data));
  return `[${modality}${mime === null ? '' : ` ${mime}`}]`;
}

function blobPlaceholder(modality: string, mime: string | null, size: number): string {
  return `[${modality}${mime === null ? '' : ` ${mime}`}, ${size} bytes base64 omitted]`;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  return data instanceof Uint8Array ? data.byteLength : 0;
}

/** Strings as they are; anything else as compact JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : compactJson(value);
}

/** Compact JSON with bigints as numbers and base64 payloads replaced by placeholders. */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value, blobReplacer) ?? '';
  } catch {
    return '[unrenderable value]'; // e.g. nesting deeper than the stack allows
  }
}

function blobReplacer(this: unknown, key: string, value: unknown): unknown {
  // The holder's own value: a Buffer has already been turned into {type, data} by its toJSON.
  const raw = typeof this === 'object' && this !== null ? (this as Record<string, unknown>)[key] : value;
  if (raw instanceof Uint8Array) return blobPlaceholder('bytes', null, raw.byteLength);
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.length >= BLOB_MIN_LENGTH) {
    const dataUrl = DATA_URL.exec(value);
    if (dataUrl) return blobPlaceholder('data', dataUrl[1] || null, value.length - dataUrl[0].length);
    if (BASE64.test(value)) return blobPlaceholder('blob', null, value.length);
  }
  return value;
}

/**
 * Raw JSON text (tool arguments, `input.value`) as stored: unchanged, unless it is large and
 * holds base64 payloads, which are then replaced (the JSON is re-serialised compactly).
 */
export function withoutBlobs(text: string): string {
  if (text.length < BLOB_MIN_LENGTH) return text;
  const parsed = parseJsonText(text);
  if (typeof parsed !== 'object' || parsed === null) return text;
  const compact = compactJson(parsed);
  return compact.includes('bytes base64 omitted]') && compact.length < text.length ? compact : text;
}
