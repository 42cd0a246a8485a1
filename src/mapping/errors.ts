/**
 * Error rows: one per `exception` span event (the OpenTelemetry exception convention); a failed
 * span without one gets a single `span_status` row instead.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRow } from '../model/events.js';
import { cutText } from '../model/text.js';
import type { Attributes, Span, SpanEvent } from '../model/otlp.js';
import { attributesJson, firstStr, isPresent } from './attributes.js';
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

/** A span failed when its status is ERROR or it carries `error.type`. */
export function spanFailed(span: Span): boolean {
  return span.statusCode === 2 || isPresent(span.attributes.get('error.type'));
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
  return {
    ...rowStart(base),
    origin: 'exception_event',
    error_type: cutText(firstStr(attrs, ['exception.type']) ?? spanErrorType(span.attributes), limits.maxTextBytes),
    message: cutText(firstStr(attrs, ['exception.message']) ?? spanMessage(span), limits.maxTextBytes),
    stacktrace: cutText(firstStr(attrs, ['exception.stacktrace']), limits.maxTextBytes),
    occurred_at: event.timeUnixNano > 0n ? nanosToMs(event.timeUnixNano) : spanEndMs(span),
    attributes: attributesJson(attrs, limits.maxAttributesBytes, EXCEPTION_KEYS),
  };
}

function statusRow(span: Span, base: ErrorRowBase, limits: TextLimits): ErrorRow {
  return {
    ...rowStart(base),
    origin: 'span_status',
    error_type: cutText(spanErrorType(span.attributes), limits.maxTextBytes),
    message: cutText(spanMessage(span), limits.maxTextBytes),
    stacktrace: null,
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

/** status.message, else the framework's message, else the error type as the least bad message. */
function spanMessage(span: Span): string | null {
  if (span.statusMessage !== '') return span.statusMessage;
  return firstStr(span.attributes, ['gen_ai.framework.error.message', 'error.type']);
}
