import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { PipelineEvent } from '../../model/events.js';
import type { ExportResult } from '../../pipeline/exporter.js';
import { ContentJoin, type ContentChanges, type ContentStats } from './content-join.js';
import { ERROR_COLUMNS, TRACE_COLUMNS, migrate } from './schema.js';
import { WalProgress, type CheckpointResult, type WalLimits } from './wal/progress.js';

export interface SqliteWriterOptions {
  dbPath: string;
  /**
   * Page cache in MiB. The random-key indexes outgrow any affordable cache within a few hundred
   * thousand rows, and a page missing from it is a cheap read from the OS cache: 16, 32 and 64 MiB
   * insert at the same rate up to 400k content rows. A larger one costs CPU instead: while the file
   * is under 1 GiB, SQLite scans the whole page-cache hash table at each commit after a B-tree
   * balance (6 % of the writer's CPU at 64 MiB, 21 % at 256 MiB).
   */
  cacheMiB: number;
  /** Byte limit of input/output text rendered from log records (OCT_MAX_TEXT_BYTES). */
  maxTextBytes: number;
  /** How long log-borne content is kept after its span's last record (OCT_PENDING_CONTENT_TTL_S). */
  pendingContentTtlMs: number;
  /** Published by the checkpointer thread, which copies the WAL back while this writer commits. */
  walProgress: SharedArrayBuffer;
  walLimits: WalLimits;
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

type BatchOutcome = { outcome: Omit<WriteOutcome, 'content'>; changes: ContentChanges };

/** How long one write waits for a lock held by another connection before reporting busy. */
const BUSY_TIMEOUT_MS = 100;

/** Thrown when another connection holds the write lock; the batch was not written. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError';
}

/**
 * Synchronous SQLite writing: the only read-write connection oct opens. One transaction per
 * batch; if the database refuses a row, the batch is rewritten row by row with a savepoint each,
 * so one bad row cannot take the others down. Content from log records is joined to its span's
 * traces row in the same transactions (content-join.ts).
 */
export class SqliteWriter {
  readonly #db: Database.Database;
  readonly #content: ContentJoin;
  readonly #writeBatch: Database.Transaction<(batch: PipelineEvent[]) => BatchOutcome>;
  readonly #writeIsolated: Database.Transaction<(batch: PipelineEvent[]) => BatchOutcome>;
  readonly #wal: WalProgress;
  readonly #walPath: string;
  readonly #walMaxBytes: number;

  constructor(options: SqliteWriterOptions) {
    fs.mkdirSync(path.dirname(path.resolve(options.dbPath)), { recursive: true });
    const db = new Database(options.dbPath, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed batch survives a crash of oct; a power cut may lose the last few.
      db.pragma('synchronous = NORMAL');
      db.pragma(`cache_size = -${options.cacheMiB * 1024}`);
      // Checkpoints are the checkpointer thread's job (wal-checkpointer.ts), see finishCheckpoint.
      db.pragma('wal_autocheckpoint = 0');
      // A restarting WAL is truncated, so its file size is its size: see #finishCheckpoint.
      db.pragma('journal_size_limit = 0');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    // created_at is computed by SQLite at insert time, so rows need no copy to add it.
    const now = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
    const insertTrace = db.prepare(
      `INSERT INTO traces (${TRACE_COLUMNS.join(', ')}, created_at) VALUES (${TRACE_COLUMNS.map((c) => '@' + c).join(', ')}, ${now}) ON CONFLICT DO NOTHING`,
    );
    const insertError = db.prepare(
      `INSERT INTO errors (${ERROR_COLUMNS.join(', ')}, created_at) VALUES (${ERROR_COLUMNS.map((c) => '@' + c).join(', ')}, ${now}) ON CONFLICT DO NOTHING`,
    );
    const content = new ContentJoin(
      db,
      { maxTextBytes: options.maxTextBytes, ttlMs: options.pendingContentTtlMs },
      (row) => insertError.run(row).changes,
    );
    const insert = (event: PipelineEvent, changes: ContentChanges): number => {
      switch (event.type) {
        case 'trace': {
          const inserted = insertTrace.run(event.row).changes;
          if (inserted === 1) content.traceInserted(event.row, changes);
          return inserted;
        }
        case 'error':
          return insertError.run(event.row).changes;
        case 'content':
          return content.store(event.row, changes);
      }
    };
    const insertOne = db.transaction(insert); // nested inside a transaction: a savepoint

    this.#writeBatch = db.transaction((batch: PipelineEvent[]): BatchOutcome => {
      const changes = content.begin();
      let persisted = 0;
      for (const event of batch) persisted += insert(event, changes);
      content.finish(changes);
      return { outcome: { persisted, failed: 0, duplicates: batch.length - persisted, refused: [] }, changes };
    });
    this.#writeIsolated = db.transaction((batch: PipelineEvent[]): BatchOutcome => {
      const changes = content.begin();
      const outcome: BatchOutcome['outcome'] = { persisted: 0, failed: 0, duplicates: 0, refused: [] };
      for (const event of batch) {
        try {
          if (insertOne(event, changes) === 1) outcome.persisted++;
          else outcome.duplicates++;
        } catch (err) {
          if (isBusy(err)) throw err;
          outcome.failed++;
          outcome.refused.push({ type: event.type, traceId: event.row.trace_id, reason: (err as Error).message });
        }
      }
      content.finish(changes);
      return { outcome, changes };
    });
    this.#content = content;
    this.#db = db;
    this.#wal = new WalProgress(options.walProgress);
    this.#walPath = `${options.dbPath}-wal`;
    // A WAL frame is a page plus a 24-byte header.
    this.#walMaxBytes = options.walLimits.maxFrames * ((db.pragma('page_size', { simple: true }) as number) + 24);
  }

  /** Counters of log-borne content (records waiting, joined, superseded, expired). */
  contentStats(): ContentStats {
    return this.#content.stats();
  }

  /** Writes one batch in one transaction; throws DatabaseBusyError when the lock is held elsewhere. */
  write(batch: PipelineEvent[]): WriteOutcome {
    try {
      let written: BatchOutcome;
      try {
        written = this.#writeBatch.immediate(batch);
      } catch (err) {
        if (isBusy(err)) throw err;
        // Some row was refused: the transaction rolled back; write row by row to keep the rest.
        written = this.#writeIsolated.immediate(batch);
      }
      this.#content.commit(written.changes);
      this.#finishCheckpoint();
      return { ...written.outcome, content: this.#content.stats() };
    } catch (err) {
      if (isBusy(err)) throw new DatabaseBusyError((err as Error).message);
      throw err;
    }
  }

  /** Falls back to SQLite's own checkpoint after each commit (if the checkpointer thread is gone). */
  checkpointOnCommit(): void {
    this.#db.pragma('wal_autocheckpoint = 16384');
  }

  /**
   * Between transactions: copies the last stretch of the WAL back when the checkpointer says it
   * is due, so the next transaction restarts the WAL. Past the size limit it waits for the
   * checkpointer's pass to end and copies the rest itself, however long that takes: a bounded WAL
   * is worth a stall when the checkpointer cannot keep up.
   */
  #finishCheckpoint(): void {
    const overLimit = walFileBytes(this.#walPath) >= this.#walMaxBytes;
    if (!overLimit && !this.#wal.writerCatchUp) return;
    this.#wal.writerCheckpointing = true; // the checkpointer starts no pass meanwhile
    for (;;) {
      const [result] = this.#db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      if (result && result.log >= 0) break;
      if (!overLimit) return; // the checkpointer is mid-pass: next commit
      Atomics.wait(PAUSE, 0, 0, 2);
    }
    this.#wal.publish(0, false);
    this.#wal.writerCheckpointing = false;
  }

  /** Folds the WAL back into the main file, so a stopped oct leaves one self-contained file. */
  close(): void {
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.close();
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function walFileBytes(walPath: string): number {
  return fs.statSync(walPath, { throwIfNoEntry: false })?.size ?? 0;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
