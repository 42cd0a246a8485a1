/**
 * Joins GenAI content that arrived as OTLP log records to its span's `traces` row, inside the
 * writer's batch transactions (no other write path).
 *
 * Every content record is stored in `pending_content`, keyed by the span's otel ids. A span is
 * merged at the end of a batch when the batch stored a record for it, or inserted its traces row
 * while records were waiting: its records are read in message order (record time, then arrival),
 * rendered with `contentTexts`, and written to input_text/output_text exactly as the span mapping
 * would. Records stay after the merge, so a later record of the same span re-renders the whole
 * text; they are deleted `ttlMs` after the span's last record, by the first batch written after
 * that (the sweep runs at most once a second). Records still waiting then (their span never
 * arrived) are counted as expired. An exception record writes its `errors` row at once; if its
 * span's row is not there yet, a record without content remembers to set `llm_trace_id` later.
 *
 * Span content wins: for each direction (input, output), text the span carried itself is kept,
 * and the log records' content for that direction is dropped (counted as superseded). Log content
 * owns a direction once it has filled it, and re-renders it on every later record.
 *
 * The traces hot path pays only when records are waiting: one indexed lookup per inserted row.
 */
import type { Database, Statement } from 'better-sqlite3';
import { MAX_ITEMS_PER_SPAN } from '../../model/limits.js';
import { contentTexts } from '../../model/content.js';
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

/** What one batch transaction did; added to the counters only once it commits. */
export interface ContentChanges {
  /** Spans to merge at the end of the batch; `touched` when the batch stored a record for it. */
  spans: Map<string, { traceId: string; spanId: string; touched: boolean }>;
  now: number;
  /** The batch deleted expired records. */
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

/** Expired records are deleted by the first batch written at least this long after the last sweep. */
const SWEEP_INTERVAL_MS = 1000;
const INT64_MAX = (1n << 63n) - 1n;

export class ContentJoin {
  readonly #options: ContentJoinOptions;
  readonly #insertError: (row: ErrorRow) => number;
  readonly #stats: ContentStats;
  #lastSweep = 0;
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
        `INSERT INTO pending_content (otel_trace_id, otel_span_id, record_key, kind, time_unix_nano, system_blocks, input_blocks, output_blocks, expires_at, created_at)
         VALUES (@otel_trace_id, @otel_span_id, @record_key, @kind, @time_unix_nano, @system_blocks, @input_blocks, @output_blocks, @expires_at, @now)
         ON CONFLICT DO NOTHING`,
      ),
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

  begin(): ContentChanges {
    return { spans: new Map(), now: Date.now(), swept: false, pending: 0, joined: 0, superseded: 0, expired: 0 };
  }

  /** Stores one log record; 1 when stored, 0 when a retried export already stored it. */
  store(row: ContentRow, changes: ContentChanges): number {
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
      expires_at: changes.now + this.#options.ttlMs,
      now: changes.now,
    }).changes;
    if (inserted === 1) {
      changes.pending++;
      changes.spans.set(`${ids.traceId}/${ids.spanId}`, { ...ids, touched: true });
    }
    return row.error === null ? inserted : stored;
  }

  /** After a traces row was inserted: merge it at the end of the batch if records may be waiting. */
  traceInserted(row: TraceRow, changes: ContentChanges): void {
    if (this.#stats.pending + changes.pending <= 0 || row.otel_trace_id === null || row.otel_span_id === null) return;
    const key = `${row.otel_trace_id}/${row.otel_span_id}`;
    if (!changes.spans.has(key)) changes.spans.set(key, { traceId: row.otel_trace_id, spanId: row.otel_span_id, touched: false });
  }

  /** Merges the spans the batch touched and deletes expired records; runs inside the batch transaction. */
  finish(changes: ContentChanges): void {
    for (const span of changes.spans.values()) this.#merge(span, changes);
    // One indexed range scan at most once a second; an empty range costs one index seek.
    if (changes.now - this.#lastSweep >= SWEEP_INTERVAL_MS) {
      changes.swept = true;
      const expired = this.#sql.countExpired.get(changes.now) as number;
      this.#sql.deleteExpired.run(changes.now);
      changes.expired += expired;
      changes.pending -= expired;
    }
  }

  /** Adds a committed batch's changes to the counters. */
  commit(changes: ContentChanges): void {
    if (changes.swept) this.#lastSweep = changes.now;
    this.#stats.pending += changes.pending;
    this.#stats.joined += changes.joined;
    this.#stats.superseded += changes.superseded;
    this.#stats.expired += changes.expired;
  }

  #merge(span: { traceId: string; spanId: string; touched: boolean }, changes: ContentChanges): void {
    const ids = { traceId: span.traceId, spanId: span.spanId };
    const records = this.#sql.records.all(ids) as StoredRecord[];
    if (records.length === 0) return;
    // The TTL runs from the span's last record, so held messages outlive any later one.
    if (span.touched) this.#sql.touch.run({ ...ids, expiresAt: changes.now + this.#options.ttlMs });
    const fresh = records.filter((r) => r.joined === 0);
    if (fresh.length === 0) return;
    const trace = this.#sql.traceContent.get(ids) as TraceContent | undefined;
    if (trace === undefined) return; // still waiting for the span

    const hasInput = (r: StoredRecord) => r.system_blocks !== null || r.input_blocks !== null;
    const hasOutput = (r: StoredRecord) => r.output_blocks !== null;
    // A direction is written when the span left it empty, or when log content already owns it.
    const use = (has: (r: StoredRecord) => boolean, spanHasText: 0 | 1) =>
      fresh.some(has) && (spanHasText === 0 || records.some((r) => r.joined === 1 && has(r)));
    const useInput = use(hasInput, trace.has_input);
    const useOutput = use(hasOutput, trace.has_output);
    const droppedInput = !useInput && trace.has_input === 1;
    const droppedOutput = !useOutput && trace.has_output === 1;
    changes.superseded += fresh.filter((r) => (droppedInput && hasInput(r)) || (droppedOutput && hasOutput(r))).length;
    if (droppedInput) this.#sql.dropInput.run(ids);
    if (droppedOutput) this.#sql.dropOutput.run(ids);

    if (useInput || useOutput) {
      const parse = (blocks: string | null): string[] => (blocks === null ? [] : (JSON.parse(blocks) as string[]));
      const texts = contentTexts(
        records.map((r) => ({
          system: useInput ? parse(r.system_blocks) : [],
          input: useInput ? parse(r.input_blocks) : [],
          output: useOutput ? parse(r.output_blocks) : [],
        })),
      );
      if (useInput) this.#sql.setInput.run({ ...boundedText(texts.input, this.#options.maxTextBytes), traceId: trace.trace_id });
      if (useOutput) this.#sql.setOutput.run({ ...boundedText(texts.output, this.#options.maxTextBytes), traceId: trace.trace_id });
    }
    if (fresh.some((r) => r.kind === 'exception')) this.#sql.linkErrors.run({ ...ids, llmTraceId: trace.trace_id });
    const joined = this.#sql.markJoined.run(ids).changes;
    changes.pending -= joined;
    changes.joined += joined;
  }
}
