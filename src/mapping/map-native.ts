/**
 * Entry point for the native API: validated items → pipeline events, with the operation → kind
 * table, message rendering and token total of the OTLP mapping.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRow, PipelineEvent, TraceRow } from '../model/events.js';
import { boundedJson, boundedText, cutText, shortText } from '../model/text.js';
import type { NativeError, NativeMessage, NativeTrace } from '../model/native.js';
import { kindOfOperation } from './operations.js';
import type { RowOptions, TextLimits } from './options.js';
import { compactJson, renderBlocks } from './render.js';
import { totalTokens } from './usage.js';

export type { RowOptions, TextLimits };

/** The events of one request, and the `trace_id` of each item's primary row, in input order. */
export interface NativeEvents {
  events: PipelineEvent[];
  traceIds: string[];
}

/** Epoch milliseconds of an RFC 3339 string or an epoch-ms integer: null when absent, NaN when Date cannot parse it. */
export function parseTime(value: string | number | null | undefined): number | null {
  if (value == null) return null;
  return typeof value === 'number' ? value : Date.parse(value);
}

/** `role: content` blocks as for OTLP messages; content that is not a string as compact JSON. */
export function renderMessages(messages: readonly NativeMessage[]): string {
  return renderBlocks(messages.map((m) => ({ role: m.role, body: typeof m.content === 'string' ? m.content : compactJson(m.content) })));
}

/** One `traces` row per item, plus an `errors` row for each item with `status: "error"`. */
export function traceEvents(items: readonly NativeTrace[], receivedAt: number, options: RowOptions): NativeEvents {
  const events: PipelineEvent[] = [];
  const traceIds: string[] = [];
  for (const item of items) {
    const row = traceRow(item, receivedAt, options);
    options.costs.apply(row);
    events.push({ type: 'trace', row });
    traceIds.push(row.trace_id);
    if (row.status === 'error') events.push({ type: 'error', row: failedCallRow(row, item, options.maxTextBytes) });
  }
  return { events, traceIds };
}

export function errorEvents(items: readonly NativeError[], receivedAt: number, limits: TextLimits): NativeEvents {
  const events: PipelineEvent[] = items.map((item) => ({ type: 'error', row: errorRow(item, receivedAt, limits) }));
  return { events, traceIds: events.map((e) => e.row.trace_id) };
}

function traceRow(item: NativeTrace, receivedAt: number, { maxTextBytes, maxAttributesBytes }: TextLimits): TraceRow {
  const operation = item.operation ?? 'chat';
  const input = boundedText(contentText(item.input), maxTextBytes);
  const output = boundedText(contentText(item.output), maxTextBytes);
  const inputTokens = item.input_tokens ?? null;
  const outputTokens = item.output_tokens ?? null;
  const model = shortText(item.model);
  return {
    trace_id: randomUUID(),
    source: 'native',
    convention: 'native',
    kind: item.kind ?? kindOfOperation(operation) ?? 'other',
    is_aggregate: 0,
    operation: shortText(operation),
    otel_trace_id: item.otel_trace_id?.toLowerCase() ?? null,
    otel_span_id: item.otel_span_id?.toLowerCase() ?? null,
    otel_parent_span_id: item.otel_parent_span_id?.toLowerCase() ?? null,
    service_name: shortText(item.service_name),
    scope_name: null,
    span_name: null,
    provider: shortText(item.provider),
    model,
    request_model: model,
    input_text: input.text,
    output_text: output.text,
    input_bytes: input.bytes,
    output_bytes: output.bytes,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: totalTokens(item.total_tokens ?? null, inputTokens, outputTokens),
    cache_read_tokens: item.cache_read_tokens ?? null,
    cache_write_tokens: item.cache_write_tokens ?? null,
    reasoning_tokens: item.reasoning_tokens ?? null,
    cost_usd: item.cost_usd ?? null,
    cost_source: null,
    status: item.status ?? 'ok',
    status_message: shortText(item.status_message),
    error_type: shortText(item.error_type),
    finish_reasons: item.finish_reasons ? JSON.stringify(item.finish_reasons.map((r) => shortText(r))) : null,
    response_id: null,
    conversation_id: shortText(item.conversation_id),
    user_id: shortText(item.user_id),
    tool_name: shortText(item.tool_name),
    agent_name: shortText(item.agent_name),
    ...callTimes(item, receivedAt),
    ttft_ms: item.ttft_ms ?? null,
    attributes: boundedJson(item.metadata ?? null, maxAttributesBytes),
    resource_attributes: null,
  };
}

/**
 * Fills in missing times. A call is posted once it is over, so the receipt time stands in for a
 * missing end when a duration says where the start was. A duration is only derived from two given times.
 */
function callTimes(item: NativeTrace, receivedAt: number): Pick<TraceRow, 'start_time' | 'end_time' | 'duration_ms'> {
  const start = parseTime(item.start_time);
  const end = parseTime(item.end_time);
  const duration = item.duration_ms ?? (start != null && end != null ? end - start : null);
  if (start != null)
    return { start_time: start, end_time: end ?? (duration != null ? Math.round(start + duration) : null), duration_ms: duration };
  const anchor = end ?? (duration != null ? receivedAt : null);
  if (anchor == null) return { start_time: receivedAt, end_time: null, duration_ms: null };
  return { start_time: Math.round(anchor - (duration ?? 0)), end_time: anchor, duration_ms: duration };
}

/** The `errors` row of a call posted with `status: "error"`, linked to its `traces` row. */
function failedCallRow(call: TraceRow, item: NativeTrace, maxTextBytes: number): ErrorRow {
  return {
    trace_id: randomUUID(),
    source: 'native',
    origin: 'native',
    llm_trace_id: call.trace_id,
    otel_trace_id: call.otel_trace_id,
    otel_span_id: call.otel_span_id,
    otel_parent_span_id: call.otel_parent_span_id,
    service_name: call.service_name,
    span_name: null,
    error_type: call.error_type,
    // A message is a long text: cut from what was sent, not from the row's short status_message.
    message: cutText(item.status_message ?? item.error_type ?? 'error', maxTextBytes),
    stacktrace: null,
    occurred_at: call.end_time ?? call.start_time,
    attributes: call.attributes,
  };
}

function errorRow(item: NativeError, receivedAt: number, { maxTextBytes, maxAttributesBytes }: TextLimits): ErrorRow {
  return {
    trace_id: randomUUID(),
    source: 'native',
    origin: 'native',
    llm_trace_id: item.llm_trace_id?.toLowerCase() ?? null,
    otel_trace_id: item.otel_trace_id?.toLowerCase() ?? null,
    otel_span_id: item.otel_span_id?.toLowerCase() ?? null,
    otel_parent_span_id: null,
    service_name: shortText(item.service_name),
    span_name: null,
    error_type: shortText(item.error_type),
    message: cutText(item.message, maxTextBytes),
    stacktrace: cutText(item.stacktrace, maxTextBytes),
    occurred_at: parseTime(item.occurred_at) ?? receivedAt,
    attributes: boundedJson(item.metadata ?? null, maxAttributesBytes),
  };
}

function contentText(content: string | readonly NativeMessage[] | null | undefined): string | null {
  if (content == null) return null;
  return typeof content === 'string' ? content : renderMessages(content);
}
