import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { PipelineEvent } from '../pipeline/events.js';
import type { Exporter, ExportResult } from '../pipeline/exporter.js';
import { ERROR_COLUMNS, TRACE_COLUMNS, migrate } from './schema.js';

export interface SqliteExporterOptions {
  dbPath: string;
  /** Page cache in MiB; sized so the primary-key indexes stay in memory as tables grow. */
  cacheMiB?: number;
}

/** How long one write waits for a lock held by another connection before backing off. */
const BUSY_TIMEOUT_MS = 100;
const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;
const MAX_LOGGED_FAILURES = 10;

/**
 * The single writer: owns the only read-write connection oct opens, and writes each batch in one
 * transaction. A row the database refuses is isolated (the batch is rewritten row by row with a
 * savepoint each) so it cannot take the rest of its batch down. A busy database (another
 * process holding the write lock) is retried with backoff on a timer, never dropped.
 */
export class SqliteExporter implements Exporter {
  readonly #options: SqliteExporterOptions;
  readonly #logger: Logger;
  #db: Database.Database | undefined;
  #writeBatch: Database.Transaction<(batch: PipelineEvent[]) => ExportResult> | undefined;
  #writeIsolated: Database.Transaction<(batch: PipelineEvent[]) => ExportResult> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #abortRetry: (() => void) | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: SqliteExporterOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    if (this.#db) return;
    fs.mkdirSync(path.dirname(path.resolve(this.#options.dbPath)), { recursive: true });
    const db = new Database(this.#options.dbPath, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed batch survives a crash of oct; a power cut may lose the last few.
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = -${(this.#options.cacheMiB ?? 64) * 1024}`);
    try {
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
    const insert = (event: PipelineEvent): number => (event.type === 'trace' ? insertTrace.run(event.row) : insertError.run(event.row)).changes;
    const insertOne = db.transaction(insert); // nested inside a transaction: a savepoint

    this.#writeBatch = db.transaction((batch: PipelineEvent[]) => {
      let persisted = 0;
      for (const event of batch) persisted += insert(event);
      return { persisted, failed: 0, duplicates: batch.length - persisted };
    });
    this.#writeIsolated = db.transaction((batch: PipelineEvent[]) => {
      const result = { persisted: 0, failed: 0, duplicates: 0 };
      for (const event of batch) {
        try {
          if (insertOne(event) === 1) result.persisted++;
          else result.duplicates++;
        } catch (err) {
          if (isBusy(err)) throw err;
          if (result.failed++ < MAX_LOGGED_FAILURES) {
            this.#logger.warn(`${event.type} row ${event.row.trace_id} refused by the database and dropped: ${(err as Error).message}`);
          }
        }
      }
      if (result.failed > MAX_LOGGED_FAILURES) this.#logger.warn(`…and ${result.failed - MAX_LOGGED_FAILURES} more rows refused in the same batch`);
      return result;
    });
    this.#db = db;
  }

  async export(batch: PipelineEvent[]): Promise<ExportResult> {
    for (let attempt = 0; ; attempt++) {
      if (!this.#db) throw new Error('the SQLite exporter is not running');
      try {
        return this.#write(batch);
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (attempt === 0) this.#logger.warn(`database is locked by another connection; retrying the batch of ${batch.length}`);
        await this.#wait(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
      }
    }
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#abortRetry?.();
    const db = this.#db;
    this.#db = undefined;
    if (!db) return;
    try {
      // Fold the WAL back into the main file so a stopped oct leaves one self-contained file.
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.#logger.warn(`final checkpoint skipped: ${(err as Error).message}`);
    }
    db.close();
  }

  #write(batch: PipelineEvent[]): ExportResult {
    try {
      return this.#writeBatch!.immediate(batch);
    } catch (err) {
      if (isBusy(err)) throw err;
      // Some row was refused: the transaction rolled back; write row by row to keep the rest.
      return this.#writeIsolated!.immediate(batch);
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#abortRetry = () => reject(new Error('shut down while the database was locked'));
      this.#retryTimer = setTimeout(resolve, ms);
    });
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
