/**
 * Joins log-borne GenAI content to its span's `traces` row inside the writer's batch transactions,
 * by model/content-join.ts. Records wait in `pending_content` until their span's row is there, and
 * stay after the merge so a later record re-renders the whole text; they are deleted `ttlMs` after
 * the span's last record (those never joined count as expired). The traces hot path pays only
 * while records wait: one indexed lookup per inserted row.
 */
import type { Database, Statement } from 'better-sqlite3';
import { MAX_ITEMS_PER_SPAN } from '../../model/limits.js';
import { planContentJoin, type DirectionPlan, type HeldContent } from '../../model/content-join.js';
import type { ContentRow, ErrorRow, TraceRow } from '../../model/events.js';
import { boundedText } from '../../model/text.js';

/** Counters of log-borne content, shown on `/healthz` as `content`. */
export interface ContentStats {
  /** Log records waiting for their span's traces row. */
  pending: number;
  /** Log records merged into their span's traces row. */
  joined: number;
  /** Log records whose content was not used because the span carried its own. */
  superseded: number;
  /** Log records dropped because their span's traces row did not arrive in time. */
  expired: number;
}

export interface ContentJoinOptions {
  maxTextBytes: number;
  /** Records are deleted this long after their span's last record arrived. */
  ttlMs: number;
}

/** What the current batch transaction did; added to the counters only once it commits. */
interface BatchChanges {
  /** Spans to merge at the end of the batch; `touched` when the batch stored a record for it. */
  spans: Map<string, { traceId: string; spanId: string; touched: boolean }>;
  now: number;
  swept: boolean;
  pending: number;
  joined: number;
  superseded: number;
  expired: number;
}

interface StoredRecord {
  joined: 0 | 1;
  kind: 'content' | 'exception';
  system_blocks: string | null;
  input_blocks: string | null;
  output_blocks: string | null;
}

interface TraceContent {
  trace_id: string;
  has_input: 0 | 1;
  has_output: 0 | 1;
}

const SWEEP_INTERVAL_MS = 1000;
const INT64_MAX = (1n << 63n) - 1n;

export class ContentJoin {
  readonly #options: ContentJoinOptions;
  readonly #insertError: (row: ErrorRow) => number;
  readonly #stats: ContentStats;
  #lastSweep = 0;
  #batch = newBatch();
  readonly #sql: Record<
    | 'findTrace'
    | 'insertRecord'
    | 'records'
    | 'touch'
    | 'traceContent'
    | 'setInput'
    | 'setOutput'
    | 'dropInput'
    | 'dropOutput'
    | 'markJoined'
    | 'linkErrors'
    | 'countExpired'
    | 'deleteExpired',
    Statement
  >;

  constructor(db: Database, options: ContentJoinOptions, insertError: (row: ErrorRow) => number) {
    this.#options = options;
    this.#insertError = insertError;
    const span = 'otel_trace_id = @traceId AND otel_span_id = @spanId';
    this.#sql = {
      findTrace: db.prepare(`SELECT trace_id FROM traces WHERE ${span}`),
      insertRecord: db.prepare(
        `INSERT INTO pending_content (otel_trace_id, otel_span_id, record_key, kind, time_unix_nano, system_blocks, input_blocks, output_blocks, joined, expires_at, created_at)
         VALUES (@otel_trace_id, @otel_span_id, @record_key, @kind, @time_unix_nano, @system_blocks, @input_blocks, @output_blocks, @joined, @expires_at, @now)
         ON CONFLICT DO NOTHING`,
      ),
      // In message order, and no more than the join uses.
      records: db.prepare(
        `SELECT joined, kind, system_blocks, input_blocks, output_blocks FROM pending_content WHERE ${span}
         ORDER BY time_unix_nano, id LIMIT ${MAX_ITEMS_PER_SPAN}`,
      ),
      touch: db.prepare(`UPDATE pending_content SET expires_at = @expiresAt WHERE ${span}`),
      traceContent: db.prepare(
        `SELECT trace_id, input_text IS NOT NULL AS has_input, output_text IS NOT NULL AS has_output FROM traces WHERE ${span}`,
      ),
      setInput: db.prepare('UPDATE traces SET input_text = @text, input_bytes = @bytes WHERE trace_id = @traceId'),
      setOutput: db.prepare('UPDATE traces SET output_text = @text, output_bytes = @bytes WHERE trace_id = @traceId'),
      dropInput: db.prepare(`UPDATE pending_content SET system_blocks = NULL, input_blocks = NULL WHERE ${span} AND joined = 0`),
      dropOutput: db.prepare(`UPDATE pending_content SET output_blocks = NULL WHERE ${span} AND joined = 0`),
      markJoined: db.prepare(`UPDATE pending_content SET joined = 1 WHERE ${span} AND joined = 0`),
      // An exception record stored before its span: link its errors row now.
      linkErrors: db.prepare(
        `UPDATE errors SET llm_trace_id = @llmTraceId WHERE ${span} AND llm_trace_id IS NULL AND origin = 'exception_event'`,
      ),
      countExpired: db.prepare('SELECT count(*) AS n FROM pending_content WHERE expires_at <= ? AND joined = 0').pluck(),
      deleteExpired: db.prepare('DELETE FROM pending_content WHERE expires_at <= ?'),
    };
    const pending = db.prepare('SELECT count(*) FROM pending_content WHERE joined = 0').pluck().get() as number;
    this.#stats = { pending, joined: 0, superseded: 0, expired: 0 };
  }

  stats(): ContentStats {
    return { ...this.#stats };
  }

  /** At the start of each batch transaction, also when the batch is rewritten row by row. */
  begin(): void {
    this.#batch = newBatch();
  }

  /** Stores one log record; 1 when stored, 0 when a retried export already stored it. */
  store(row: ContentRow): number {
    const batch = this.#batch;
    const ids = { traceId: row.otel_trace_id, spanId: row.otel_span_id };
    let stored = 0;
    if (row.error !== null) {
      const trace = this.#sql.findTrace.get(ids) as { trace_id: string } | undefined;
      stored = this.#insertError({ ...row.error, llm_trace_id: trace?.trace_id ?? null });
      // Linked now, or a duplicate: nothing to remember.
      if (trace !== undefined || stored === 0) return stored;
    }
    const json = (blocks: string[]) => (blocks.length === 0 ? null : JSON.stringify(blocks));
    const inserted = this.#sql.insertRecord.run({
      otel_trace_id: row.otel_trace_id,
      otel_span_id: row.otel_span_id,
      record_key: row.record_key,
      kind: row.error === null ? 'content' : 'exception',
      time_unix_nano: row.time_unix_nano > INT64_MAX ? INT64_MAX : row.time_unix_nano,
      system_blocks: json(row.system),
      input_blocks: json(row.input),
      output_blocks: json(row.output),
      // The span's own instructions are in its row already: held as joined, never pending.
      joined: row.fromSpan ? 1 : 0,
      expires_at: batch.now + this.#options.ttlMs,
      now: batch.now,
    }).changes;
    if (inserted === 1) {
      if (!row.fromSpan) batch.pending++;
      batch.spans.set(`${ids.traceId}/${ids.spanId}`, { ...ids, touched: true });
    }
    return row.error === null ? inserted : stored;
  }

  /** After a traces row was inserted: merge it at the end of the batch if records may be waiting. */
  traceInserted(row: TraceRow): void {
    const batch = this.#batch;
    if (this.#stats.pending + batch.pending <= 0 || row.otel_trace_id === null || row.otel_span_id === null) return;
    const key = `${row.otel_trace_id}/${row.otel_span_id}`;
    if (!batch.spans.has(key)) batch.spans.set(key, { traceId: row.otel_trace_id, spanId: row.otel_span_id, touched: false });
  }

  /** Merges the spans the batch touched and deletes expired records; runs inside the batch transaction. */
  finish(): void {
    const batch = this.#batch;
    for (const span of batch.spans.values()) this.#merge(span);
    // One indexed range scan at most once a second; an empty range costs one index seek.
    if (batch.now - this.#lastSweep >= SWEEP_INTERVAL_MS) {
      batch.swept = true;
      const expired = this.#sql.countExpired.get(batch.now) as number;
      this.#sql.deleteExpired.run(batch.now);
      batch.expired += expired;
      batch.pending -= expired;
    }
  }

  commit(): void {
    const batch = this.#batch;
    if (batch.swept) this.#lastSweep = batch.now;
    this.#stats.pending += batch.pending;
    this.#stats.joined += batch.joined;
    this.#stats.superseded += batch.superseded;
    this.#stats.expired += batch.expired;
  }

  #merge(span: { traceId: string; spanId: string; touched: boolean }): void {
    const ids = { traceId: span.traceId, spanId: span.spanId };
    const records = this.#sql.records.all(ids) as StoredRecord[];
    if (records.length === 0) return;
    // The TTL runs from the span's last record, so held messages outlive any later one.
    if (span.touched) this.#sql.touch.run({ ...ids, expiresAt: this.#batch.now + this.#options.ttlMs });
    const trace = this.#sql.traceContent.get(ids) as TraceContent | undefined;
    if (trace === undefined) return; // still waiting for the span
    const plan = planContentJoin(records.map(held), { hasInput: trace.has_input === 1, hasOutput: trace.has_output === 1 });
    if (plan === null) return;
    this.#apply(plan.input, this.#sql.dropInput, this.#sql.setInput, ids, trace.trace_id);
    this.#apply(plan.output, this.#sql.dropOutput, this.#sql.setOutput, ids, trace.trace_id);
    if (plan.linkErrors) this.#sql.linkErrors.run({ ...ids, llmTraceId: trace.trace_id });
    const joined = this.#sql.markJoined.run(ids).changes;
    this.#batch.superseded += plan.superseded;
    this.#batch.pending -= joined;
    this.#batch.joined += joined;
  }

  #apply(plan: DirectionPlan, drop: Statement, set: Statement, ids: { traceId: string; spanId: string }, traceId: string): void {
    if (plan.action === 'drop') drop.run(ids);
    else if (plan.action === 'write') set.run({ ...boundedText(plan.text, this.#options.maxTextBytes), traceId });
  }
}

function newBatch(): BatchChanges {
  return { spans: new Map(), now: Date.now(), swept: false, pending: 0, joined: 0, superseded: 0, expired: 0 };
}

function held(record: StoredRecord): HeldContent {
  const blocks = (json: string | null): string[] => (json === null ? [] : (JSON.parse(json) as string[]));
  return {
    joined: record.joined === 1,
    kind: record.kind,
    system: blocks(record.system_blocks),
    input: blocks(record.input_blocks),
    output: blocks(record.output_blocks),
  };
}
