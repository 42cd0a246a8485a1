/**
 * Applies model/double-tracing.ts inside the writer's batch transactions: once a batch's rows are
 * inserted, each inserted model-call row and its parent are re-evaluated from the rows stored so
 * far, so the parent is marked whichever of the two arrives first, in the same batch or a later one.
 *
 * The model-call rows of each OpenTelemetry trace the batch touched are read once, through the
 * `(otel_trace_id, otel_span_id)` index, and evaluated in memory: a batch costs one query per
 * trace, not two to four per row, and a long trace is not rescanned for every span of it.
 */
import type { Database, Statement } from 'better-sqlite3';
import { isModelCall, MODEL_CALL_KINDS, repeatsChildCall, type CallFacts } from '../../model/double-tracing.js';
import type { TraceRow } from '../../model/events.js';

type StoredCall = CallFacts & { trace_id: string; is_aggregate: 0 | 1; otel_span_id: string; otel_parent_span_id: string | null };

const FACTS = 'trace_id, kind, is_aggregate, model, request_model, input_tokens, output_tokens, total_tokens, start_time, end_time';
const KINDS = MODEL_CALL_KINDS.map((kind) => `'${kind}'`).join(', ');

export class DoubleTracing {
  readonly #sql: Record<'calls' | 'setAggregate', Statement>;
  /** Per OpenTelemetry trace id, the spans to re-evaluate when the batch's rows are in. */
  readonly #touched = new Map<string, Set<string>>();

  constructor(db: Database) {
    this.#sql = {
      calls: db.prepare(`SELECT otel_span_id, otel_parent_span_id, ${FACTS} FROM traces WHERE otel_trace_id = ? AND kind IN (${KINDS})`),
      setAggregate: db.prepare('UPDATE traces SET is_aggregate = ? WHERE trace_id = ?'),
    };
  }

  /** A transaction starts: nothing is touched yet. */
  begin(): void {
    this.#touched.clear();
  }

  /** After a traces row was inserted. */
  traceInserted(row: TraceRow): void {
    if (!isModelCall(row.kind) || row.otel_trace_id === null || row.otel_span_id === null) return;
    let spans = this.#touched.get(row.otel_trace_id);
    if (spans === undefined) this.#touched.set(row.otel_trace_id, (spans = new Set()));
    spans.add(row.otel_span_id);
    if (row.otel_parent_span_id !== null) spans.add(row.otel_parent_span_id);
  }

  /** Before the transaction commits: marks the touched calls whose is_aggregate changed. */
  finish(): void {
    for (const [traceId, spans] of this.#touched) {
      const calls = this.#sql.calls.all(traceId) as StoredCall[];
      const children = new Map<string, StoredCall[]>();
      for (const call of calls) {
        if (call.otel_parent_span_id === null) continue;
        const siblings = children.get(call.otel_parent_span_id);
        if (siblings === undefined) children.set(call.otel_parent_span_id, [call]);
        else siblings.push(call);
      }
      for (const call of calls) {
        if (!spans.has(call.otel_span_id)) continue;
        const aggregate = repeatsChildCall(call, children.get(call.otel_span_id) ?? []) ? 1 : 0;
        if (aggregate !== call.is_aggregate) this.#sql.setAggregate.run(aggregate, call.trace_id);
      }
    }
    this.#touched.clear();
  }
}
