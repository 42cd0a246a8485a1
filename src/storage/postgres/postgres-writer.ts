import type { ClientBase } from 'pg';
import type { ErrorRow, PipelineEvent, TraceRow } from '../../model/events.js';
import type { ContentJoinOptions, ContentStats } from '../sqlite/content-join.js';
import { countWritten, type RefusedRow, type WriteOutcome } from '../sqlite/sqlite-writer.js';
import { PostgresContentJoin } from './content-join.js';
import { callSpans, markDoubleTracing, modelCalls } from './double-tracing.js';
import { classify } from './postgres-errors.js';
import { ERRORS_INSERT, TRACES_INSERT, type TableInsert } from './schema.js';
import { lockSpans } from './span-locks.js';

type BatchOutcome = Omit<WriteOutcome, 'content' | 'seconds'>;

/**
 * Writes batches on the exporter's one connection: one READ COMMITTED transaction per batch, with
 * one multi-row `INSERT … ON CONFLICT DO NOTHING` per table. If the database refuses a row, the
 * batch is rewritten row by row with a savepoint each, so one bad row cannot take the others down.
 * Content from log records is joined, and calls traced twice are marked, in the same transactions
 * (after the spans they touch are locked: span-locks.ts). Failures other than refused rows
 * are thrown for the exporter to retry (postgres-errors.ts).
 */
export class PostgresWriter {
  readonly #content: PostgresContentJoin;
  /** The traces rows with OTel ids the current batch transaction inserted. */
  #inserted: TraceRow[] = [];

  constructor(options: ContentJoinOptions) {
    this.#content = new PostgresContentJoin(options, (client, row) =>
      insertRows(client, ERRORS_INSERT, [row]).then((r) => r.rowCount ?? 0),
    );
  }

  /** Reads the state a new connection starts from (records waiting for their span). */
  load(client: ClientBase): Promise<void> {
    return this.#content.load(client);
  }

  contentStats(): ContentStats {
    return this.#content.stats();
  }

  async write(client: ClientBase, batch: PipelineEvent[]): Promise<WriteOutcome> {
    const started = performance.now();
    let outcome: BatchOutcome;
    try {
      outcome = await transaction(client, () => this.#writeBatch(client, batch));
    } catch (err) {
      if (classify(err) !== 'refused') throw err;
      // Some row was refused: the transaction rolled back; write row by row to keep the rest.
      outcome = await transaction(client, () => this.#writeIsolated(client, batch));
    }
    this.#content.commit();
    return { ...outcome, content: this.#content.stats(), seconds: (performance.now() - started) / 1000 };
  }

  async #writeBatch(client: ClientBase, batch: PipelineEvent[]): Promise<BatchOutcome> {
    this.#begin();
    const traces: TraceRow[] = [];
    const errors: ErrorRow[] = [];
    for (const event of batch) {
      if (event.type === 'trace') traces.push(event.row);
      else if (event.type === 'error') errors.push(event.row);
    }
    // The same spans in the same order in every process: concurrent duplicates wait instead of deadlocking.
    traces.sort(bySpan);
    const written = {
      traces: await this.#insertTraces(client, traces),
      errors: (await insertRows(client, ERRORS_INSERT, errors)).rowCount ?? 0,
    };
    const content = batch.flatMap((event) => (event.type === 'content' ? [event.row] : []));
    const persisted = written.traces + written.errors + (await this.#content.store(client, content));
    await this.#finish(client);
    return { persisted, failed: 0, duplicates: batch.length - persisted, written, refused: [] };
  }

  async #writeIsolated(client: ClientBase, batch: PipelineEvent[]): Promise<BatchOutcome> {
    this.#begin();
    const outcome: BatchOutcome = { persisted: 0, failed: 0, duplicates: 0, written: { traces: 0, errors: 0 }, refused: [] };
    for (const event of batch) {
      await client.query('SAVEPOINT row');
      try {
        const stored = await this.#insertOne(client, event);
        await client.query('RELEASE SAVEPOINT row');
        if (stored === 1) {
          outcome.persisted++;
          countWritten(outcome.written, event.type, 1);
        } else outcome.duplicates++;
      } catch (err) {
        if (classify(err) !== 'refused') throw err;
        await client.query('ROLLBACK TO SAVEPOINT row');
        outcome.failed++;
        outcome.refused.push({ type: event.type, traceId: event.row.trace_id, reason: (err as Error).message } satisfies RefusedRow);
      }
    }
    await this.#finish(client);
    return outcome;
  }

  #begin(): void {
    this.#content.begin();
    this.#inserted = [];
  }

  /** Locks the spans the batch touched, then joins their content and marks calls traced twice. */
  async #finish(client: ClientBase): Promise<void> {
    const calls = modelCalls(this.#inserted);
    await lockSpans(client, [...this.#content.spans(), ...callSpans(calls)]);
    await this.#content.finish(client);
    await markDoubleTracing(client, calls);
  }

  #insertOne(client: ClientBase, event: PipelineEvent): Promise<number> {
    switch (event.type) {
      case 'trace':
        return this.#insertTraces(client, [event.row]);
      case 'error':
        return insertRows(client, ERRORS_INSERT, [event.row]).then((r) => r.rowCount ?? 0);
      case 'content':
        return this.#content.store(client, [event.row]);
    }
  }

  async #insertTraces(client: ClientBase, rows: TraceRow[]): Promise<number> {
    const { rows: inserted, rowCount } = await insertRows<{ otel_trace_id: string | null; otel_span_id: string | null }>(
      client,
      TRACES_INSERT,
      rows,
    );
    const stored = new Set<string>();
    for (const row of inserted) {
      if (row.otel_trace_id === null || row.otel_span_id === null) continue;
      this.#content.traceInserted(row.otel_trace_id, row.otel_span_id);
      stored.add(`${row.otel_trace_id}/${row.otel_span_id}`);
    }
    // The rows with OTel ids that were inserted (of a span twice in one batch, the first was).
    for (const row of rows) if (stored.delete(`${row.otel_trace_id}/${row.otel_span_id}`)) this.#inserted.push(row);
    return rowCount ?? 0;
  }
}

export async function transaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  // Explicit: the join relies on each statement seeing the latest commits, whatever the server's default.
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function insertRows<R extends object = object>(client: ClientBase, insert: TableInsert, rows: readonly object[]) {
  if (rows.length === 0) return { rows: [] as R[], rowCount: 0 };
  const values: unknown[] = [];
  for (const row of rows) {
    const fields = row as Record<string, unknown>;
    for (let i = 0; i < insert.columns.length; i++) values.push(encode(fields[insert.columns[i]], insert.types[i]));
  }
  return client.query<R>({ name: `insert-${insert.table}-${rows.length}`, text: insert.sql(rows.length), values });
}

/** A field as PostgreSQL takes it: SQLite keeps what it is given, PostgreSQL checks the type. */
function encode(value: unknown, type: string): unknown {
  if (value === undefined) return null;
  if (type === 'BIGINT' && typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return Math.round(value);
  // JSONB has no NUL character; text columns were cleaned of it by the mapping.
  if (type === 'JSONB' && typeof value === 'string' && value.includes('\\u0000'))
    return value.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
  return value;
}

function bySpan(a: TraceRow, b: TraceRow): number {
  const x = `${a.otel_trace_id ?? ''}/${a.otel_span_id ?? ''}`;
  const y = `${b.otel_trace_id ?? ''}/${b.otel_span_id ?? ''}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
