import { randomUUID } from 'node:crypto';
import type { ErrorRow, PipelineEvent, TraceRow } from '../src/model/events.js';

let seq = 0;

/** A complete native-style trace event; `overrides` replace columns. */
export function traceEvent(overrides: Partial<TraceRow> = {}): PipelineEvent {
  seq++;
  const row: TraceRow = {
    trace_id: randomUUID(),
    source: 'native',
    convention: 'native',
    kind: 'llm',
    is_aggregate: 0,
    operation: 'chat',
    otel_trace_id: null,
    otel_span_id: null,
    otel_parent_span_id: null,
    service_name: 'test-svc',
    scope_name: null,
    span_name: null,
    provider: 'openai',
    model: 'gpt-4o',
    request_model: 'gpt-4o',
    input_text: `question ${seq}`,
    output_text: 'answer',
    input_bytes: 10,
    output_bytes: 6,
    input_tokens: 10,
    output_tokens: 2,
    total_tokens: 12,
    cache_read_tokens: null,
    cache_write_tokens: null,
    reasoning_tokens: null,
    cost_usd: null,
    cost_source: null,
    status: 'ok',
    status_message: null,
    error_type: null,
    finish_reasons: '["stop"]',
    response_id: null,
    conversation_id: null,
    user_id: null,
    tool_name: null,
    agent_name: null,
    start_time: Date.now(),
    end_time: Date.now(),
    duration_ms: 1.5,
    ttft_ms: null,
    attributes: null,
    resource_attributes: null,
    ...overrides,
  };
  return { type: 'trace', row };
}

export function errorEvent(overrides: Partial<ErrorRow> = {}): PipelineEvent {
  const row: ErrorRow = {
    trace_id: randomUUID(),
    source: 'native',
    origin: 'native',
    llm_trace_id: null,
    otel_trace_id: null,
    otel_span_id: null,
    otel_parent_span_id: null,
    service_name: 'test-svc',
    span_name: null,
    error_type: 'Error',
    message: 'boom',
    stacktrace: null,
    occurred_at: Date.now(),
    attributes: null,
    ...overrides,
  };
  return { type: 'error', row };
}

export function traceEvents(n: number): PipelineEvent[] {
  return Array.from({ length: n }, () => traceEvent());
}
