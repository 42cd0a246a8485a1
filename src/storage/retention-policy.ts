/**
 * What a retention pass does, whatever the engine (the SQL is each engine's own: sqlite/retention.ts,
 * postgres/retention.ts). A pass first deletes by age (`traces.start_time`, `errors.occurred_at`
 * older than `retentionDays`), then, while the database is over `maxDbBytes`, the oldest rows of
 * both tables until it is 10 % under the cap; every delete transaction holds at most `CHUNK_ROWS`
 * rows of each table, so batches are written between two of them (README: "Retention").
 */

export interface RetentionOptions {
  /** 0 keeps rows of any age. */
  retentionDays: number;
  /** Bytes the database may hold (as each engine measures its size); 0 is no cap. */
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

/** The newest time a pass started at `now` deletes by age (`time <= cutoff`); null when rows of any age are kept. */
export function ageCutoff(options: RetentionOptions, now: number): number | null {
  // Rows strictly older than the window.
  return options.retentionDays > 0 ? now - options.retentionDays * DAY_MS - 1 : null;
}

/** Whether a database of `bytes` is to be shrunk: over the cap, or, once shrinking, over the target under it. */
export function overCap(options: RetentionOptions, bytes: number, shrinking: boolean): boolean {
  const cap = options.maxDbBytes;
  return cap > 0 && bytes > (shrinking ? cap * CAP_TARGET : cap);
}

/** How many of `rows` rows to delete to bring `bytes` to the target, at the average row size. */
export function rowsOverTarget(options: RetentionOptions, bytes: number, rows: number): number {
  return Math.max(1, Math.ceil(((bytes - options.maxDbBytes * CAP_TARGET) * rows) / bytes));
}

/** The counters of the passes, as `/healthz` shows them under `storage.retention`. */
export class RetentionCounters {
  readonly #stats: RetentionStats = {
    passes: 0,
    last_pass_at: null,
    last_pass_ms: null,
    last_pass_transactions: 0,
    last_error: null,
    deleted: { traces: 0, errors: 0 },
  };
  #started = 0;
  #transactions = 0;

  stats(): RetentionStats {
    return { ...this.#stats, deleted: { ...this.#stats.deleted } };
  }

  begin(now: number): void {
    this.#started = now;
    this.#transactions = 0;
    this.#stats.last_error = null;
  }

  /** One committed delete transaction. */
  deleted(traces: number, errors: number): void {
    this.#transactions++;
    this.#stats.deleted.traces += traces;
    this.#stats.deleted.errors += errors;
  }

  failed(err: unknown): void {
    this.#stats.last_error = (err as Error).message || String(err);
  }

  end(now: number): void {
    this.#stats.passes++;
    this.#stats.last_pass_at = now;
    this.#stats.last_pass_ms = now - this.#started;
    this.#stats.last_pass_transactions = this.#transactions;
  }
}
