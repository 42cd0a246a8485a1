import type { Database, Statement } from 'better-sqlite3';
import {
  ageCutoff,
  CHUNK_ROWS,
  overCap,
  RetentionCounters,
  rowsOverTarget,
  type RetentionOptions,
  type RetentionStats,
} from '../retention-policy.js';

/**
 * The retention policy (../retention-policy.ts) on the writer's connection, one small transaction
 * per `step()`, so the writer thread runs batches between two steps and ingest never waits behind
 * a whole pass. The size is pages in use × page size; freed pages go to SQLite's free list and are
 * reused by the next inserts.
 */

type Phase = 'age' | 'size' | 'done';

export class Retention {
  readonly #options: RetentionOptions;
  readonly #db: Database;
  readonly #sql: Record<'tracesUpTo' | 'errorsUpTo' | 'traceTimeAt' | 'errorTimeAt' | 'rows', Statement>;
  readonly #counters = new RetentionCounters();
  #phase: Phase = 'done';
  #cutoff: number | null = null;
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
    return this.#counters.stats();
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
    this.#counters.begin(now);
    this.#shrinking = false;
    this.#cutoff = ageCutoff(this.#options, now);
    this.#phase = this.#cutoff !== null ? 'age' : 'size';
  }

  /** One delete transaction; false once the pass is over (or when there was none to run). */
  step(now: number): boolean {
    if (!this.running) return false;
    try {
      if (this.#phase === 'age' && !this.#deleteExpired()) this.#phase = 'size';
      else if (this.#phase === 'size' && !this.#shrink()) this.#phase = 'done';
    } catch (err) {
      this.#counters.failed(err);
      this.#phase = 'done';
    }
    if (this.running) return true;
    this.#counters.end(now);
    return false;
  }

  /** Deletes a chunk of expired rows; false when none were left. */
  #deleteExpired(): boolean {
    return this.#delete(this.#cutoff!, CHUNK_ROWS) > 0;
  }

  /** While over the cap, deletes the oldest chunk of both tables; false when under the target or empty. */
  #shrink(): boolean {
    const bytes = this.databaseBytes();
    if (!overCap(this.#options, bytes, this.#shrinking)) return false;
    this.#shrinking = true;
    // No more rows than the excess holds at the average row size, so a small cap is not overshot by a whole chunk.
    const rows = this.#sql.rows.get() as number;
    if (rows === 0) return false;
    const chunk = Math.min(CHUNK_ROWS, rowsOverTarget(this.#options, bytes, rows));
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
    this.#counters.deleted(t, e);
    return t + e;
  }

  #pragma(name: string): number {
    return this.#db.pragma(name, { simple: true }) as number;
  }
}
