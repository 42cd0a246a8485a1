/**
 * Error rows: one per `exception` span event (the OpenTelemetry exception convention); a failed
 * span without one gets a single `span_status` row instead. A span fails by its status, by
 * `error.type`, or by Langfuse's `level = ERROR` (which the Langfuse SDKs set without the status).
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRow } from '../model/events.js';
import { cutText, shortText } from '../model/text.js';
import type { Attributes, Span, SpanEvent } from '../model/otlp.js';
import { attributesJson, firstStr, isPresent, toStr } from './attributes.js';
import type { TextLimits } from './options.js';
import { nanosToMs, spanEndMs } from './timing.js';

/** The columns that identify a span, shared by its traces row and error rows. */
export interface SpanIdentity {
  otel_trace_id: string;
  otel_span_id: string;
  otel_parent_span_id: string | null;
  service_name: string | null;
  span_name: string | null;
}

/** What every error row of a span shares. */
export interface ErrorRowBase extends SpanIdentity {
  llm_trace_id: string | null;
}

const EXCEPTION_EVENT = 'exception';
const EXCEPTION_KEYS = new Set(['exception.type', 'exception.message', 'exception.stacktrace']);
/** error_type after `exception.type`; the framework keys are OpenLIT's. */
const SPAN_ERROR_TYPE_KEYS = ['error.type', 'gen_ai.framework.error.type', 'gen_ai.framework.error.class'];

const LANGFUSE_LEVEL = 'langfuse.observation.level';
const LANGFUSE_STATUS_MESSAGE = 'langfuse.observation.status_message';
/** The first line of a Python traceback, which then ends with the `Type: message` line. */
const PYTHON_TRACEBACK = /^Traceback \(most recent call last\):?$/;

export function spanFailed(span: Span): boolean {
  return (
    span.statusCode === 2 ||
    isPresent(span.attributes.get('error.type')) ||
    toStr(span.attributes.get(LANGFUSE_LEVEL))?.toUpperCase() === 'ERROR'
  );
}

/** status.message, else Langfuse's status message (set with or without a failure). */
export function statusMessageOf(span: Span): string | null {
  return span.statusMessage !== '' ? span.statusMessage : firstStr(span.attributes, [LANGFUSE_STATUS_MESSAGE]);
}

/**
 * A message that holds a whole stack trace (some libraries put one into status.message or
 * exception.message): the first line is the message, the rest the stack trace. A Python
 * traceback's message is its last line.
 */
export function splitStackTrace(text: string | null): { message: string | null; stacktrace: string | null } {
  const newline = text === null ? -1 : text.indexOf('\n');
  if (text === null || newline === -1) return { message: text, stacktrace: null };
  const first = text.slice(0, newline).trimEnd();
  const rest = text.slice(newline + 1);
  if (rest.trim() === '') return { message: first, stacktrace: null };
  if (PYTHON_TRACEBACK.test(first)) {
    const last = text.trimEnd().split('\n').pop()!.trim();
    return { message: last, stacktrace: text.trimEnd() };
  }
  return { message: first === '' ? null : first, stacktrace: rest.trimEnd() };
}

export function firstExceptionEvent(span: Span): SpanEvent | undefined {
  return span.events.find((event) => event.name === EXCEPTION_EVENT);
}

/** The error rows of a span; `llmTraceId` is the `trace_id` of its traces row, if it has one. */
export function errorRowsOf(span: Span, identity: SpanIdentity, llmTraceId: string | null, limits: TextLimits): ErrorRow[] {
  const exceptions = span.events.length === 0 ? [] : span.events.filter((event) => event.name === EXCEPTION_EVENT);
  if (exceptions.length === 0 && !spanFailed(span)) return [];
  const base: ErrorRowBase = { ...identity, llm_trace_id: llmTraceId };
  if (exceptions.length > 0) return exceptions.map((event) => exceptionRow(span, event, base, limits));
  return [statusRow(span, base, limits)];
}

function exceptionRow(span: Span, event: SpanEvent, base: ErrorRowBase, limits: TextLimits): ErrorRow {
  const attrs = event.attributes;
  const type = firstStr(attrs, ['exception.type']);
  const message = firstStr(attrs, ['exception.message']) ?? spanMessage(span);
  const stacktrace = firstStr(attrs, ['exception.stacktrace']);
  // Only a message without a type or stack trace beside it is taken apart.
  const parts = type === null && stacktrace === null ? splitStackTrace(message) : { message, stacktrace };
  return {
    ...rowStart(base),
    origin: 'exception_event',
    error_type: shortText(type ?? spanErrorType(span.attributes)),
    message: cutText(parts.message, limits.maxTextBytes),
    stacktrace: cutText(parts.stacktrace, limits.maxTextBytes),
    occurred_at: event.timeUnixNano > 0n ? nanosToMs(event.timeUnixNano) : spanEndMs(span),
    attributes: attributesJson(attrs, limits.maxAttributesBytes, EXCEPTION_KEYS),
  };
}

function statusRow(span: Span, base: ErrorRowBase, limits: TextLimits): ErrorRow {
  const { message, stacktrace } = splitStackTrace(spanMessage(span));
  return {
    ...rowStart(base),
    origin: 'span_status',
    error_type: shortText(spanErrorType(span.attributes)),
    message: cutText(message, limits.maxTextBytes),
    stacktrace: cutText(stacktrace, limits.maxTextBytes),
    occurred_at: spanEndMs(span),
    // The span's attributes live on its traces row (or, for a non-GenAI span, are not kept).
    attributes: null,
  };
}

function rowStart(base: ErrorRowBase) {
  return { trace_id: randomUUID(), source: 'otlp' as const, ...base };
}

function spanErrorType(attrs: Attributes): string | null {
  return firstStr(attrs, SPAN_ERROR_TYPE_KEYS);
}

/** The status message, else the framework's message, else the error type as the least bad message. */
function spanMessage(span: Span): string | null {
  return statusMessageOf(span) ?? firstStr(span.attributes, ['gen_ai.framework.error.message', 'error.type']);
}
