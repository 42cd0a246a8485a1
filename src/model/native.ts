/** Native API items as they are after validation (receiver/native/schema.ts holds their JSON Schemas). */
import type { TraceKind } from './events.js';

export interface NativeMessage {
  role: string;
  content: unknown;
}

/** A trace item that passed `traceItemSchema`. Times are RFC 3339 strings or epoch ms. */
export interface NativeTrace {
  model: string;
  provider?: string | null;
  operation?: string | null;
  kind?: TraceKind | null;
  input?: string | NativeMessage[] | null;
  output?: string | NativeMessage[] | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
  total_tokens?: number | null;
  cache_read_tokens?: number | null;
  cache_write_tokens?: number | null;
  reasoning_tokens?: number | null;
  cost_usd?: number | null;
  start_time?: string | number | null;
  end_time?: string | number | null;
  duration_ms?: number | null;
  ttft_ms?: number | null;
  status?: 'ok' | 'error' | null;
  status_message?: string | null;
  error_type?: string | null;
  finish_reasons?: string[] | null;
  service_name?: string | null;
  conversation_id?: string | null;
  user_id?: string | null;
  tool_name?: string | null;
  agent_name?: string | null;
  otel_trace_id?: string | null;
  otel_span_id?: string | null;
  otel_parent_span_id?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** An error item that passed `errorItemSchema`. */
export interface NativeError {
  message: string;
  error_type?: string | null;
  stacktrace?: string | null;
  service_name?: string | null;
  occurred_at?: string | number | null;
  llm_trace_id?: string | null;
  otel_trace_id?: string | null;
  otel_span_id?: string | null;
  metadata?: Record<string, unknown> | null;
}
