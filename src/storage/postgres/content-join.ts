/**
 * Joins log-borne GenAI content to its span's `traces` row inside the batch transactions, by the
 * shared policy of model/content-join.ts, with the SQL of storage/sqlite/content-join.ts adapted to
 * several oct processes writing one database: a span and its records may commit from different
 * processes in either order. Each transaction locks the spans it touched (span-locks.ts, taken by
 * the writer after its inserts and before `finish` looks for the other half), so of two transactions
 * for one span the second sees what the first committed (READ COMMITTED: every statement reads the
 * latest commits).
 */
import type { ClientBase } from 'pg';
import { MAX_ITEMS_PER_SPAN } from '../../model/limits.js';
import { planContentJoin, type DirectionPlan, type HeldContent, type JoinPlan } from '../../model/content-join.js';
import type { ContentRow, ErrorRow } from '../../model/events.js';
import { boundedText } from '../../model/text.js';
import type { ContentJoinOptions, ContentStats } from '../sqlite/content-join.js';
import type { SpanKey } from './span-locks.js';

interface Span extends SpanKey {
  /** The batch stored a record for it (its TTL restarts). */
  touched: boolean;
}

/** What the current batch transaction did; added to the counters only once it commits. */
interface BatchChanges {
  spans: Map<string, Span>;
  now: number;
  /** Waiting records counted at the end of this batch, when it swept. */
  counted: number | null;
  pending: number;
  joined: number;
  superseded: number;
  expired: number;
}

interface StoredRecord {
  joined: boolean;
  kind: 'content' | 'exception';
  system_blocks: string | null;
  input_blocks: string | null;
  output_blocks: string | null;
}

const SWEEP_INTERVAL_MS = 1000;
const INT64_MAX = (1n << 63n) - 1n;
const SPAN = 'otel_trace_id = $1 AND otel_span_id = $2';
/** The spans of `spanArrays` ($1, $2) as a relation. */
const SPANS = 'unnest($1::text[], $2::text[]) AS spans (tid, sid)';
const IN_SPANS = 'otel_trace_id = tid AND otel_span_id = sid';

interface SpanIds {
  otel_trace_id: string;
  otel_span_id: string;
}

interface StoredTrace extends SpanIds {
  trace_id: string;
  has_input: boolean;
  has_output: boolean;
}

/** A span whose waiting records join its row, and how. */
interface Join {
  trace: StoredTrace;
  plan: JoinPlan;
}

function recordKey(traceId: string, spanId: string, key: string): string {
  return `${traceId}/${spanId}/${key}`;
}

function spanArrays(spans: readonly SpanKey[]): [string[], string[]] {
  return [spans.map((s) => s.traceId), spans.map((s) => s.spanId)];
}

export class PostgresContentJoin {
  readonly #options: ContentJoinOptions;
  readonly #insertError: (client: ClientBase, row: ErrorRow) => Promise<number>;
  readonly #stats: ContentStats = { pending: 0, joined: 0, superseded: 0, expired: 0 };
  #lastSweep = 0;
  #batch = newBatch();

  constructor(options: ContentJoinOptions, insertError: (client: ClientBase, row: ErrorRow) => Promise<number>) {
    this.#options = options;
    this.#insertError = insertError;
  }

  /** Reads how many records wait for their span (by every oct process on this database). */
  async load(client: ClientBase): Promise<void> {
    this.#stats.pending = await countWaiting(client);
  }

  stats(): ContentStats {
    return { ...this.#stats };
  }

  begin(): void {
    this.#batch = newBatch();
  }

  /**
   * Stores log records, all in one INSERT; how many were stored (a retried export's records were
   * already). An exception's count is its errors row's; its content is held only while its span is
   * not stored yet.
   */
  async store(client: ClientBase, rows: readonly ContentRow[]): Promise<number> {
    const batch = this.#batch;
    let stored = 0;
    /** The records to hold, by span and record key: whether storing one counts it. */
    const held = new Map<string, { row: ContentRow; counts: boolean }>();
    for (const row of rows) {
      if (row.error !== null) {
        const { rows: spans } = await client.query<{ trace_id: string }>(`SELECT trace_id FROM traces WHERE ${SPAN}`, [
          row.otel_trace_id,
          row.otel_span_id,
        ]);
        const errors = await this.#insertError(client, { ...row.error, llm_trace_id: spans[0]?.trace_id ?? null });
        stored += errors;
        // Linked now, or a duplicate: nothing to remember.
        if (spans.length > 0 || errors === 0) continue;
      }
      const key = recordKey(row.otel_trace_id, row.otel_span_id, row.record_key);
      if (!held.has(key)) held.set(key, { row, counts: row.error === null });
    }
    if (held.size === 0) return stored;
    const records = [...held.values()].map((h) => h.row);
    const json = (blocks: string[]) => (blocks.length === 0 ? null : JSON.stringify(blocks));
    const { rows: inserted } = await client.query<SpanIds & { record_key: string }>({
      name: 'store-pending-content',
      text: `INSERT INTO pending_content (otel_trace_id, otel_span_id, record_key, kind, time_unix_nano, system_blocks, input_blocks, output_blocks, joined, expires_at, created_at)
             SELECT *, $10::bigint, $11::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::boolean[])
             ON CONFLICT DO NOTHING RETURNING otel_trace_id, otel_span_id, record_key`,
      values: [
        records.map((r) => r.otel_trace_id),
        records.map((r) => r.otel_span_id),
        records.map((r) => r.record_key),
        records.map((r) => (r.error === null ? 'content' : 'exception')),
        records.map((r) => String(r.time_unix_nano > INT64_MAX ? INT64_MAX : r.time_unix_nano)),
        records.map((r) => json(r.system)),
        records.map((r) => json(r.input)),
        records.map((r) => json(r.output)),
        // The span's own instructions are in its row already: held as joined, never pending.
        records.map((r) => r.fromSpan),
        batch.now + this.#options.ttlMs,
        batch.now,
      ],
    });
    for (const record of inserted) {
      const { row, counts } = held.get(recordKey(record.otel_trace_id, record.otel_span_id, record.record_key)) ?? {};
      if (row === undefined) continue;
      if (counts) stored++;
      if (!row.fromSpan) batch.pending++;
      batch.spans.set(`${row.otel_trace_id}/${row.otel_span_id}`, { traceId: row.otel_trace_id, spanId: row.otel_span_id, touched: true });
    }
    return stored;
  }

  /** After a traces row with OTel ids was inserted: records for it may wait, stored by any process. */
  traceInserted(traceId: string, spanId: string): void {
    const key = `${traceId}/${spanId}`;
    if (!this.#batch.spans.has(key)) this.#batch.spans.set(key, { traceId, spanId, touched: false });
  }

  /** The spans the batch touched: to be locked before `finish`. */
  spans(): SpanKey[] {
    return [...this.#batch.spans.values()];
  }

  /** Merges the spans the batch touched (locked) and deletes expired records; runs inside the batch transaction. */
  async finish(client: ClientBase): Promise<void> {
    const batch = this.#batch;
    const spans = [...batch.spans.values()];
    if (spans.length > 0) await this.#merge(client, spans);
    if (batch.now - this.#lastSweep >= SWEEP_INTERVAL_MS) {
      const { rows } = await client.query<{ joined: boolean }>('DELETE FROM pending_content WHERE expires_at <= $1 RETURNING joined', [
        batch.now,
      ]);
      batch.expired += rows.filter((r) => !r.joined).length;
      batch.counted = await countWaiting(client);
    }
  }

  commit(): void {
    const batch = this.#batch;
    if (batch.counted !== null) this.#lastSweep = batch.now;
    this.#stats.pending = batch.counted ?? this.#stats.pending + batch.pending;
    this.#stats.joined += batch.joined;
    this.#stats.superseded += batch.superseded;
    this.#stats.expired += batch.expired;
  }

  /**
   * Joins each span that has records and a traces row. The records and rows of all the spans are
   * read with one query each, and each kind of change is one statement for all of them (#apply).
   */
  async #merge(client: ClientBase, spans: Span[]): Promise<void> {
    const touched = spans.filter((s) => s.touched);
    // The TTL runs from the span's last record, so held messages outlive any later one.
    if (touched.length > 0)
      await client.query(`UPDATE pending_content SET expires_at = $3 FROM ${SPANS} WHERE ${IN_SPANS}`, [
        ...spanArrays(touched),
        this.#batch.now + this.#options.ttlMs,
      ]);
    const { rows: records } = await client.query<StoredRecord & SpanIds>(
      `SELECT otel_trace_id, otel_span_id, joined, kind, system_blocks, input_blocks, output_blocks FROM (
         SELECT p.*, row_number() OVER (PARTITION BY otel_trace_id, otel_span_id ORDER BY time_unix_nano, id) AS n
         FROM pending_content p JOIN ${SPANS} ON ${IN_SPANS}) ranked
       WHERE n <= ${MAX_ITEMS_PER_SPAN} ORDER BY otel_trace_id, otel_span_id, n`,
      spanArrays(spans),
    );
    const held = new Map<string, StoredRecord[]>();
    for (const record of records) {
      const key = `${record.otel_trace_id}/${record.otel_span_id}`;
      held.set(key, [...(held.get(key) ?? []), record]);
    }
    if (held.size === 0) return;
    const { rows: traces } = await client.query<StoredTrace>(
      `SELECT otel_trace_id, otel_span_id, trace_id, input_text IS NOT NULL AS has_input, output_text IS NOT NULL AS has_output
       FROM traces JOIN ${SPANS} ON ${IN_SPANS}`,
      spanArrays(spans.filter((s) => held.has(`${s.traceId}/${s.spanId}`))),
    );
    const joins: Join[] = [];
    // Spans without a row are still waiting for it.
    for (const trace of traces) {
      const records = held.get(`${trace.otel_trace_id}/${trace.otel_span_id}`) ?? [];
      const plan = planContentJoin(records.map(toHeld), { hasInput: trace.has_input, hasOutput: trace.has_output });
      if (plan !== null) joins.push({ trace, plan });
    }
    if (joins.length > 0) await this.#apply(client, joins);
  }

  /** Carries out the spans' plans: at most one statement of each kind for all of them. */
  async #apply(client: ClientBase, joins: Join[]): Promise<void> {
    const spans = (which: (join: Join) => boolean) =>
      spanArrays(joins.filter(which).map(({ trace }) => ({ traceId: trace.otel_trace_id, spanId: trace.otel_span_id })));
    const writes = joins.filter(({ plan }) => plan.input.action === 'write' || plan.output.action === 'write');
    if (writes.length > 0) {
      const text = (plan: DirectionPlan) => (plan.action === 'write' ? boundedText(plan.text, this.#options.maxTextBytes) : null);
      const input = writes.map(({ plan }) => text(plan.input));
      const output = writes.map(({ plan }) => text(plan.output));
      await client.query(
        `UPDATE traces SET
           input_text = CASE WHEN v.write_input THEN v.input_text ELSE traces.input_text END,
           input_bytes = CASE WHEN v.write_input THEN v.input_bytes ELSE traces.input_bytes END,
           output_text = CASE WHEN v.write_output THEN v.output_text ELSE traces.output_text END,
           output_bytes = CASE WHEN v.write_output THEN v.output_bytes ELSE traces.output_bytes END
         FROM unnest($1::text[], $2::boolean[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::bigint[])
           AS v (id, write_input, input_text, input_bytes, write_output, output_text, output_bytes)
         WHERE trace_id = v.id`,
        [
          writes.map(({ trace }) => trace.trace_id),
          input.map((t) => t !== null),
          input.map((t) => t?.text ?? null),
          input.map((t) => t?.bytes ?? null),
          output.map((t) => t !== null),
          output.map((t) => t?.text ?? null),
          output.map((t) => t?.bytes ?? null),
        ],
      );
    }
    const drops = [
      { set: 'system_blocks = NULL, input_blocks = NULL', spans: spans(({ plan }) => plan.input.action === 'drop') },
      { set: 'output_blocks = NULL', spans: spans(({ plan }) => plan.output.action === 'drop') },
    ];
    for (const drop of drops)
      if (drop.spans[0].length > 0)
        await client.query(`UPDATE pending_content SET ${drop.set} FROM ${SPANS} WHERE ${IN_SPANS} AND NOT joined`, drop.spans);
    const links = joins.filter(({ plan }) => plan.linkErrors);
    if (links.length > 0)
      await client.query(
        `UPDATE errors SET llm_trace_id = v.id FROM unnest($1::text[], $2::text[], $3::text[]) AS v (tid, sid, id)
         WHERE otel_trace_id = v.tid AND otel_span_id = v.sid AND llm_trace_id IS NULL AND origin = 'exception_event'`,
        [...spans(({ plan }) => plan.linkErrors), links.map(({ trace }) => trace.trace_id)],
      );
    const { rowCount } = await client.query(
      `UPDATE pending_content SET joined = true FROM ${SPANS} WHERE ${IN_SPANS} AND NOT joined`,
      spans(() => true),
    );
    for (const { plan } of joins) this.#batch.superseded += plan.superseded;
    this.#batch.pending -= rowCount ?? 0;
    this.#batch.joined += rowCount ?? 0;
  }
}

function newBatch(): BatchChanges {
  return { spans: new Map(), now: Date.now(), counted: null, pending: 0, joined: 0, superseded: 0, expired: 0 };
}

async function countWaiting(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pending_content WHERE NOT joined');
  return Number(rows[0].n);
}

function toHeld(record: StoredRecord): HeldContent {
  const blocks = (json: string | null): string[] => (json === null ? [] : (JSON.parse(json) as string[]));
  return {
    joined: record.joined,
    kind: record.kind,
    system: blocks(record.system_blocks),
    input: blocks(record.input_blocks),
    output: blocks(record.output_blocks),
  };
}
