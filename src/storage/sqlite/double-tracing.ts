/**
 * Applies model/double-tracing.ts inside the writer's batch transactions: after each model-call
 * row is inserted, it and its parent are re-evaluated from the rows stored so far, so the parent
 * is marked whichever of the two arrives first, in the same batch or in a later one.
 *
 * The children lookup reads the rows of one OpenTelemetry trace through the `(otel_trace_id,
 * otel_span_id)` index; only model-call rows pay for it.
 */
import type { Database, Statement } from 'better-sqlite3';
import { isModelCall, MODEL_CALL_KINDS, repeatsChildCall, type CallFacts } from '../../model/double-tracing.js';
import type { TraceRow } from '../../model/events.js';

type StoredCall = CallFacts & { trace_id: string; is_aggregate: 0 | 1 };

const FACTS = 'trace_id, kind, is_aggregate, model, request_model, input_tokens, output_tokens, total_tokens, start_time, end_time';
const KINDS = MODEL_CALL_KINDS.map((kind) => `'${kind}'`).join(', ');

export class DoubleTracing {
  readonly #sql: Record<'call' | 'children' | 'setAggregate', Statement>;

  constructor(db: Database) {
    this.#sql = {
      call: db.prepare(`SELECT ${FACTS} FROM traces WHERE otel_trace_id = ? AND otel_span_id = ? AND kind IN (${KINDS})`),
      children: db.prepare(`SELECT ${FACTS} FROM traces WHERE otel_trace_id = ? AND otel_parent_span_id = ? AND kind IN (${KINDS})`),
      setAggregate: db.prepare('UPDATE traces SET is_aggregate = ? WHERE trace_id = ?'),
    };
  }

  /** After a traces row was inserted. */
  traceInserted(row: TraceRow): void {
    if (!isModelCall(row.kind) || row.otel_trace_id === null || row.otel_span_id === null) return;
    this.#evaluate(row.otel_trace_id, row.otel_span_id, row);
    if (row.otel_parent_span_id === null) return;
    const parent = this.#sql.call.get(row.otel_trace_id, row.otel_parent_span_id) as StoredCall | undefined;
    if (parent !== undefined) this.#evaluate(row.otel_trace_id, row.otel_parent_span_id, parent);
  }

  #evaluate(traceId: string, spanId: string, call: StoredCall): void {
    const children = this.#sql.children.all(traceId, spanId) as StoredCall[];
    const aggregate = repeatsChildCall(call, children) ? 1 : 0;
    if (aggregate !== call.is_aggregate) this.#sql.setAggregate.run(aggregate, call.trace_id);
  }
}
