import type Database from 'better-sqlite3';
import type { PipelineEvent } from '../../model/events.js';
import type { ExportResult, RowsWritten } from '../../pipeline/exporter.js';
import { ContentJoin, type ContentStats } from './content-join.js';
import { DoubleTracing } from './double-tracing.js';
import { isBusy, isDiskFull, StorageFaultError, storageFault } from './faults.js';
import { INSERT_ERROR, INSERT_TRACE } from './schema.js';

export interface SqliteWriterOptions {
  maxTextBytes: number;
  pendingContentTtlMs: number;
}

/** A row the database refused, reported back so the caller can log it once. */
export interface RefusedRow {
  type: PipelineEvent['type'];
  traceId: string;
  reason: string;
}

export interface WriteOutcome extends ExportResult {
  refused: RefusedRow[];
  /** The counters of log-borne content after this batch. */
  content: ContentStats;
}

type BatchOutcome = Omit<WriteOutcome, 'content' | 'seconds'>;

/** Adds `n` stored rows of an event of `type` to `written`. */
export function countWritten(written: RowsWritten, type: PipelineEvent['type'], n: number): void {
  if (type === 'trace') written.traces += n;
  else if (type === 'error') written.errors += n;
}

/** Thrown when another connection holds the write lock; the batch was not written. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
}

/**
 * Writes batches on oct's only read-write connection: one transaction per batch; if the database
 * refuses a row, the batch is rewritten row by row with a savepoint each, so one bad row cannot
 * take the others down. Content from log records is joined in the same transactions.
 */
export class SqliteWriter {
  readonly #content: ContentJoin;
  readonly #writeBatch: Database.Transaction<(batch: PipelineEvent[]) => BatchOutcome>;
  readonly #writeIsolated: Database.Transaction<(batch: PipelineEvent[]) => BatchOutcome>;

  constructor(db: Database.Database, options: SqliteWriterOptions) {
    const insertTrace = db.prepare(INSERT_TRACE);
    const insertError = db.prepare(INSERT_ERROR);
    const content = new ContentJoin(
      db,
      { maxTextBytes: options.maxTextBytes, ttlMs: options.pendingContentTtlMs },
      (row) => insertError.run(row).changes,
    );
    const doubleTracing = new DoubleTracing(db);
    const insert = (event: PipelineEvent): number => {
      switch (event.type) {
        case 'trace': {
          const inserted = insertTrace.run(event.row).changes;
          if (inserted === 1) {
            content.traceInserted(event.row);
            doubleTracing.traceInserted(event.row);
          }
          return inserted;
        }
        case 'error':
          return insertError.run(event.row).changes;
        case 'content':
          return content.store(event.row);
      }
    };
    const insertOne = db.transaction(insert); // nested inside a transaction: a savepoint

    this.#writeBatch = db.transaction((batch: PipelineEvent[]): BatchOutcome => {
      content.begin();
      doubleTracing.begin();
      let persisted = 0;
      const written = { traces: 0, errors: 0 };
      for (const event of batch) {
        const n = insert(event);
        persisted += n;
        countWritten(written, event.type, n);
      }
      content.finish();
      doubleTracing.finish();
      return { persisted, failed: 0, duplicates: batch.length - persisted, written, refused: [] };
    });
    this.#writeIsolated = db.transaction((batch: PipelineEvent[]): BatchOutcome => {
      content.begin();
      doubleTracing.begin();
      const outcome: BatchOutcome = { persisted: 0, failed: 0, duplicates: 0, written: { traces: 0, errors: 0 }, refused: [] };
      for (const event of batch) {
        try {
          if (insertOne(event) === 1) {
            outcome.persisted++;
            countWritten(outcome.written, event.type, 1);
          } else outcome.duplicates++;
        } catch (err) {
          // Only a row's own fault refuses the row; a busy or failing database fails the whole batch.
          if (isBusy(err) || storageFault(err) !== undefined) throw err;
          outcome.failed++;
          outcome.refused.push({ type: event.type, traceId: event.row.trace_id, reason: (err as Error).message });
        }
      }
      content.finish();
      doubleTracing.finish();
      return outcome;
    });
    this.#content = content;
  }

  contentStats(): ContentStats {
    return this.#content.stats();
  }

  /**
   * Writes one batch in one transaction. Throws DatabaseBusyError when the lock is held elsewhere
   * and StorageFaultError when the storage refuses writes (faults.ts); either way nothing was written.
   */
  write(batch: PipelineEvent[]): WriteOutcome {
    const started = performance.now();
    try {
      let outcome: BatchOutcome;
      try {
        outcome = this.#writeBatch.immediate(batch);
      } catch (err) {
        if (isBusy(err) || storageFault(err) !== undefined) throw err;
        // Some row was refused: the transaction rolled back; write row by row to keep the rest.
        outcome = this.#writeIsolated.immediate(batch);
      }
      this.#content.commit();
      return { ...outcome, content: this.#content.stats(), seconds: (performance.now() - started) / 1000 };
    } catch (err) {
      if (isBusy(err)) throw new DatabaseBusyError((err as Error).message);
      const fault = storageFault(err);
      if (fault !== undefined) throw new StorageFaultError(fault, isDiskFull(err));
      throw err;
    }
  }
}
