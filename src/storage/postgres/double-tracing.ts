/**
 * Applies model/double-tracing.ts inside the batch transactions, as storage/sqlite/double-tracing.ts
 * does, for several oct processes on one database: a parent and its child may commit from
 * different processes in either order. Each inserted model-call row locks its own span and its
 * parent's (span-locks.ts, with the content join's locks) before the rows are re-evaluated, so of
 * two transactions touching one parent the second sees what the first committed.
 */
import type { ClientBase } from 'pg';
import { isModelCall, MODEL_CALL_KINDS, repeatsChildCall, type CallFacts } from '../../model/double-tracing.js';
import type { TraceRow } from '../../model/events.js';
import type { SpanKey } from './span-locks.js';

type StoredCall = CallFacts & { trace_id: string; is_aggregate: number };

const FACTS = 'trace_id, kind, is_aggregate, model, request_model, input_tokens, output_tokens, total_tokens, start_time, end_time';
const KINDS = MODEL_CALL_KINDS.map((kind) => `'${kind}'`).join(', ');

type ModelCall = TraceRow & { otel_trace_id: string; otel_span_id: string };

/** The inserted rows the rule applies to: model calls with OpenTelemetry ids. */
export function modelCalls(inserted: readonly TraceRow[]): ModelCall[] {
  return inserted.filter((row): row is ModelCall => isModelCall(row.kind) && row.otel_trace_id !== null && row.otel_span_id !== null);
}

/** The spans whose rows `calls` may change: each call and its parent. */
export function callSpans(calls: readonly ModelCall[]): SpanKey[] {
  return calls.flatMap((row) => [
    { traceId: row.otel_trace_id, spanId: row.otel_span_id },
    ...(row.otel_parent_span_id === null ? [] : [{ traceId: row.otel_trace_id, spanId: row.otel_parent_span_id }]),
  ]);
}

/** Re-evaluates each inserted call and its parent from the rows stored so far; their spans are locked. */
export async function markDoubleTracing(client: ClientBase, calls: readonly ModelCall[]): Promise<void> {
  for (const row of calls) {
    await evaluate(client, row.otel_trace_id, row.otel_span_id);
    if (row.otel_parent_span_id !== null) await evaluate(client, row.otel_trace_id, row.otel_parent_span_id);
  }
}

async function evaluate(client: ClientBase, traceId: string, spanId: string): Promise<void> {
  const { rows } = await client.query<StoredCall>(
    `SELECT ${FACTS} FROM traces WHERE otel_trace_id = $1 AND otel_span_id = $2 AND kind IN (${KINDS})`,
    [traceId, spanId],
  );
  const call = rows[0];
  if (call === undefined) return;
  const { rows: children } = await client.query<StoredCall>(
    `SELECT ${FACTS} FROM traces WHERE otel_trace_id = $1 AND otel_parent_span_id = $2 AND kind IN (${KINDS})`,
    [traceId, spanId],
  );
  const aggregate = repeatsChildCall(numbers(call), children.map(numbers)) ? 1 : 0;
  if (aggregate !== Number(call.is_aggregate))
    await client.query('UPDATE traces SET is_aggregate = $1 WHERE trace_id = $2', [aggregate, call.trace_id]);
}

/** node-postgres returns BIGINT as text: the rule compares numbers. */
function numbers(call: StoredCall): StoredCall {
  const n = (v: unknown) => (v === null ? null : Number(v));
  return {
    ...call,
    input_tokens: n(call.input_tokens),
    output_tokens: n(call.output_tokens),
    total_tokens: n(call.total_tokens),
    start_time: Number(call.start_time),
    end_time: n(call.end_time),
  };
}
