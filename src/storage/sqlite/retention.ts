import type { Database, Statement } from 'better-sqlite3';

/**
 * Deletes old rows on the writer's connection, one small transaction per `step()`, so the writer
 * thread runs batches between two steps and ingest never waits behind a whole pass. A pass first
 * deletes by age (`traces.start_time`, `errors.occurred_at` older than `retentionDays`), then, while
 * the database is over `maxDbBytes`, the oldest rows of both tables until it is 10 % under the cap.
 * Freed pages go to SQLite's free list and are reused by the next inserts (README: "Retention").
 */

export interface RetentionOptions {
  /** 0 keeps rows of any age. */
  retentionDays: number;
  /** Pages in use × page size; 0 is no cap. */
  maxDbBytes: number;
}

export interface RetentionStats {
  passes: number;
  /** Epoch ms when the last pass ended. */
  last_pass_at: number | null;
  last_pass_ms: number | null;
  /** Delete transactions the last pass took. */
  last_pass_transactions: number;
  /** The last pass stopped on a failure (a full disk can refuse deletes too); the next pass tries again. */
  last_error: string | null;
  deleted: { traces: number; errors: number };
}

/** Rows per table per transaction: at most 2,000 deletes in one commit. */
export const CHUNK_ROWS = 1_000;
/** The size cap deletes down to this share of it, so a cap that is reached is not hit again at once. */
const CAP_TARGET = 0.9;
const DAY_MS = 86_400_000;

type Phase = 'age' | 'size' | 'done';

export class Retention {
  readonly #options: RetentionOptions;
  readonly #db: Database;
  readonly #sql: Record<'tracesUpTo' | 'errorsUpTo' | 'traceTimeAt' | 'errorTimeAt' | 'rows', Statement>;
  readonly #stats: RetentionStats = {
    passes: 0,
    last_pass_at: null,
    last_pass_ms: null,
    last_pass_transactions: 0,
    last_error: null,
    deleted: { traces: 0, errors: 0 },
  };
  #phase: Phase = 'done';
  #cutoff = 0;
  #started = 0;
  #transactions = 0;
  /** The pass found the database over the cap and deletes down to the target. */
  #shrinking = false;

  constructor(db: Database, options: RetentionOptions) {
    this.#db = db;
    this.#options = options;
    // Oldest first along the time indexes; rowid IN (…) because DELETE … LIMIT is not compiled into SQLite by default.
    const upTo = (table: string, time: string) =>
      db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${time} <= ? ORDER BY ${time} LIMIT ?)`);
    const timeAt = (table: string, time: string) =>
      db.prepare(`SELECT coalesce((SELECT ${time} FROM ${table} ORDER BY ${time} LIMIT 1 OFFSET ?), max(${time})) FROM ${table}`).pluck();
    this.#sql = {
      tracesUpTo: upTo('traces', 'start_time'),
      errorsUpTo: upTo('errors', 'occurred_at'),
      traceTimeAt: timeAt('traces', 'start_time'),
      errorTimeAt: timeAt('errors', 'occurred_at'),
      // Rows inserted since the oldest one still there, without counting: an upper bound, since rows are appended in time order.
      rows: db
        .prepare(
          'SELECT coalesce((SELECT max(rowid) - min(rowid) + 1 FROM traces), 0) + coalesce((SELECT max(rowid) - min(rowid) + 1 FROM errors), 0)',
        )
        .pluck(),
    };
  }

  get running(): boolean {
    return this.#phase !== 'done';
  }

  stats(): RetentionStats {
    return { ...this.#stats, deleted: { ...this.#stats.deleted } };
  }

  /** Pages in use × page size: the file plus its WAL as SQLite sees them, net of free pages. */
  databaseBytes(): number {
    return (this.#pragma('page_count') - this.#pragma('freelist_count')) * this.#pragma('page_size');
  }

  freePages(): number {
    return this.#pragma('freelist_count');
  }

  begin(now: number): void {
    if (this.running) return;
    this.#started = now;
    this.#transactions = 0;
    this.#shrinking = false;
    // Rows strictly older than the window; `<=` in the statement, hence the - 1.
    this.#cutoff = this.#options.retentionDays > 0 ? now - this.#options.retentionDays * DAY_MS - 1 : Number.NaN;
    this.#phase = this.#options.retentionDays > 0 ? 'age' : 'size';
    this.#stats.last_error = null;
  }

  /** One delete transaction; false once the pass is over (or when there was none to run). */
  step(now: number): boolean {
    if (!this.running) return false;
    try {
      if (this.#phase === 'age' && !this.#deleteExpired()) this.#phase = 'size';
      else if (this.#phase === 'size' && !this.#shrink()) this.#phase = 'done';
    } catch (err) {
      this.#stats.last_error = (err as Error).message;
      this.#phase = 'done';
    }
    if (this.running) return true;
    this.#stats.passes++;
    this.#stats.last_pass_at = now;
    this.#stats.last_pass_ms = now - this.#started;
    this.#stats.last_pass_transactions = this.#transactions;
    return false;
  }

  /** Deletes a chunk of expired rows; false when none were left. */
  #deleteExpired(): boolean {
    return this.#delete(this.#cutoff, CHUNK_ROWS) > 0;
  }

  /** While over the cap, deletes the oldest chunk of both tables; false when under the target or empty. */
  #shrink(): boolean {
    const cap = this.#options.maxDbBytes;
    if (cap === 0) return false;
    const bytes = this.databaseBytes();
    if (bytes <= (this.#shrinking ? cap * CAP_TARGET : cap)) return false;
    this.#shrinking = true;
    // No more rows than the excess holds at the average row size, so a small cap is not overshot by a whole chunk.
    const rows = this.#sql.rows.get() as number;
    if (rows === 0) return false;
    const chunk = Math.max(1, Math.min(CHUNK_ROWS, Math.ceil(((bytes - cap * CAP_TARGET) * rows) / bytes)));
    const times = [this.#sql.traceTimeAt.get(chunk - 1), this.#sql.errorTimeAt.get(chunk - 1)].filter(
      (t): t is number => typeof t === 'number',
    );
    if (times.length === 0) return false;
    return this.#delete(Math.min(...times), chunk) > 0;
  }

  /** Up to `chunk` rows of each table with a time at or before `upTo`, in one transaction. */
  #delete(upTo: number, chunk: number): number {
    const [t, e] = this.#db
      .transaction(() => [this.#sql.tracesUpTo.run(upTo, chunk).changes, this.#sql.errorsUpTo.run(upTo, chunk).changes])
      .immediate();
    this.#transactions++;
    this.#stats.deleted.traces += t;
    this.#stats.deleted.errors += e;
    return t + e;
  }

  #pragma(name: string): number {
    return this.#db.pragma(name, { simple: true }) as number;
  }
}
