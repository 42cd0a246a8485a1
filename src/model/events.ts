/**
 * The events the mapping produces and the exporter consumes. `TraceRow` and `ErrorRow` hold exactly
 * the columns of model/columns.ts (tsc checks it), apart from `created_at`, which storage sets.
 */

export const TRACE_KINDS = ['llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'] as const;
export const EVENT_SOURCES = ['otlp', 'native'] as const;
export const ERROR_ORIGINS = ['exception_event', 'span_status', 'native'] as const;
/** Where `cost_usd` came from: the client, or oct's price table. */
export const COST_SOURCES = ['reported', 'price_table'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];
export type EventSource = (typeof EVENT_SOURCES)[number];
export type ErrorOrigin = (typeof ERROR_ORIGINS)[number];
export type CostSource = (typeof COST_SOURCES)[number];

/** One model / embedding / tool / agent / retrieval / workflow call: a `traces` row. */
export interface TraceRow {
  trace_id: string;
  source: EventSource;
  convention: string | null;
  kind: TraceKind;
  is_aggregate: 0 | 1;
  operation: string | null;
  otel_trace_id: string | null;
  otel_span_id: string | null;
  otel_parent_span_id: string | null;
  service_name: string | null;
  scope_name: string | null;
  span_name: string | null;
  provider: string | null;
  model: string | null;
  request_model: string | null;
  /** Already cut to the configured byte limit (see `boundedText`). */
  input_text: string | null;
  output_text: string | null;
  /** UTF-8 size before truncation. */
  input_bytes: number | null;
  output_bytes: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_source: CostSource | null;
  status: 'ok' | 'error';
  status_message: string | null;
  error_type: string | null;
  /** JSON array text. */
  finish_reasons: string | null;
  response_id: string | null;
  conversation_id: string | null;
  user_id: string | null;
  tool_name: string | null;
  agent_name: string | null;
  /** Unix epoch milliseconds. */
  start_time: number;
  end_time: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
  /** JSON object text, bounded (see `boundedJson`). */
  attributes: string | null;
  resource_attributes: string | null;
}

/** One exception event, failed span or native error: an `errors` row. */
export interface ErrorRow {
  trace_id: string;
  source: EventSource;
  origin: ErrorOrigin;
  /** `trace_id` of the `traces` row for the same span, when there is one. */
  llm_trace_id: string | null;
  otel_trace_id: string | null;
  otel_span_id: string | null;
  otel_parent_span_id: string | null;
  service_name: string | null;
  span_name: string | null;
  error_type: string | null;
  message: string | null;
  stacktrace: string | null;
  /** Unix epoch milliseconds. */
  occurred_at: number;
  attributes: string | null;
}

/**
 * GenAI content (or an exception) that arrived as an OTLP log record for one span. Not a row of
 * its own: storage holds it until the span's `traces` row is there and then fills that row's
 * input_text / output_text by the rules of model/content-join.ts.
 */
export interface ContentRow {
  /** Generated UUID v4 naming this record in log lines, like the `trace_id` of every other event. */
  trace_id: string;
  /** Lower-case hex ids of the span the record belongs to (always valid). */
  otel_trace_id: string;
  otel_span_id: string;
  /** Identifies the record among its span's records, so a retried export is stored once. */
  record_key: string;
  /** Record time in epoch nanoseconds (observed time when unset): messages are ordered by it, then by arrival. */
  time_unix_nano: bigint;
  /** Rendered `role: text` blocks, in order: system instructions, the other input messages, output messages. */
  system: string[];
  input: string[];
  output: string[];
  /** For `gen_ai.client.operation.exception`: the `errors` row; its `llm_trace_id` is set by the exporter. */
  error: ErrorRow | null;
}

export type PipelineEvent = { type: 'trace'; row: TraceRow } | { type: 'error'; row: ErrorRow } | { type: 'content'; row: ContentRow };
