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

/**
 * Re-evaluates each inserted call and its parent from the rows stored so far; their spans are locked.
 * One query reads every such call with its model-call children, one statement writes the changes:
 * a batch costs two round trips, whatever its size.
 */
export async function markDoubleTracing(client: ClientBase, calls: readonly ModelCall[]): Promise<void> {
  if (calls.length === 0) return;
  const spans = callSpans(calls);
  const { rows } = await client.query<StoredCall & { role: 'call' | 'child'; target_trace: string; target_span: string }>(
    `WITH target (tid, sid) AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]))
     SELECT 'call' AS role, tid AS target_trace, sid AS target_span, ${FACTS} FROM target
       JOIN traces ON otel_trace_id = tid AND otel_span_id = sid WHERE kind IN (${KINDS})
     UNION ALL
     SELECT 'child', tid, sid, ${FACTS} FROM target
       JOIN traces ON otel_trace_id = tid AND otel_parent_span_id = sid WHERE kind IN (${KINDS})`,
    [spans.map((s) => s.traceId), spans.map((s) => s.spanId)],
  );
  const stored = new Map<string, { call: StoredCall | undefined; children: StoredCall[] }>();
  for (const row of rows) {
    const key = `${row.target_trace}/${row.target_span}`;
    const target = stored.get(key) ?? { call: undefined, children: [] };
    stored.set(key, target);
    if (row.role === 'call') target.call = row;
    else target.children.push(numbers(row));
  }
  const changed: { traceId: string; aggregate: number }[] = [];
  for (const { call, children } of stored.values()) {
    if (call === undefined) continue;
    const aggregate = repeatsChildCall(numbers(call), children) ? 1 : 0;
    if (aggregate !== Number(call.is_aggregate)) changed.push({ traceId: call.trace_id, aggregate });
  }
  if (changed.length === 0) return;
  await client.query(
    'UPDATE traces SET is_aggregate = v.aggregate FROM unnest($1::text[], $2::int[]) AS v (id, aggregate) WHERE trace_id = v.id',
    [changed.map((c) => c.traceId), changed.map((c) => c.aggregate)],
  );
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
