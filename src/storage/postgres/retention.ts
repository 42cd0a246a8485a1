import type { ClientBase } from 'pg';
import {
  ageCutoff,
  CHUNK_ROWS,
  overCap,
  RetentionCounters,
  rowsOverTarget,
  type RetentionOptions,
  type RetentionStats,
} from '../retention-policy.js';
import { transaction } from './postgres-writer.js';

/**
 * The retention policy (../retention-policy.ts) on PostgreSQL, in one oct process at a time: a pass
 * runs under a session advisory lock taken with `pg_try_advisory_lock` on the exporter's connection,
 * so a process that finds it held skips its pass (another process is deleting the same rows). Each
 * `step()` is one small transaction the exporter runs between two batches.
 *
 * PostgreSQL keeps the space of deleted rows in its files and reuses it for new rows (after
 * autovacuum), so `pg_total_relation_size` does not fall when rows are deleted. The size compared
 * with the cap is therefore the space in use: each table's total size scaled by how much of its
 * heap the live rows fill (rows × the average size of the newest 1,000 rows), measured when a pass
 * reaches its size phase; once the database is over the cap, the pass deletes the rows above the
 * target at that average size.
 */

/** Both advisory-lock keys of the retention lock: 'oct' and 2 (the migration lock is 'oct' and 1). */
export const RETENTION_LOCK = [0x6f6374, 2] as const;

export interface PostgresRetentionStats extends RetentionStats {
  /** Passes this process did not run because another oct process was running one. */
  skipped: number;
}

const TABLES = [
  { table: 'traces', time: 'start_time' },
  { table: 'errors', time: 'occurred_at' },
] as const;

type Phase = 'age' | 'size' | 'done';

export class PostgresRetention {
  readonly #options: RetentionOptions;
  readonly #counters = new RetentionCounters();
  #phase: Phase = 'done';
  #cutoff: number | null = null;
  /** Rows the size phase still deletes; null until it has measured the database. */
  #overTarget: number | null = null;
  /** The connection holding the lock: a pass ends if it is lost (the lock went with it). */
  #session: ClientBase | undefined;
  #skipped = 0;
  #databaseBytes: number | null = null;

  constructor(options: RetentionOptions) {
    this.#options = options;
  }

  get running(): boolean {
    return this.#phase !== 'done';
  }

  stats(): PostgresRetentionStats {
    return { ...this.#counters.stats(), skipped: this.#skipped };
  }

  /** `pg_total_relation_size` of the tables as of the last pass: what they take on disk. */
  databaseBytes(): number | null {
    return this.#databaseBytes;
  }

  /** Starts a pass unless another process runs one; false when it did not start. */
  async begin(client: ClientBase, now: number): Promise<boolean> {
    if (this.running) return true;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...RETENTION_LOCK]);
      if (!rows[0].locked) {
        this.#skipped++;
        return false;
      }
    } catch (err) {
      this.#counters.failed(err);
      return false;
    }
    this.#session = client;
    this.#counters.begin(now);
    this.#cutoff = ageCutoff(this.#options, now);
    this.#overTarget = null;
    this.#phase = this.#cutoff !== null ? 'age' : 'size';
    return true;
  }

  /** One delete transaction on `client`; false once the pass is over. */
  async step(client: ClientBase, now: number): Promise<boolean> {
    if (!this.running) return false;
    try {
      if (client !== this.#session) throw new Error('the connection holding the retention lock was lost');
      if (this.#phase === 'age' && !(await this.#delete(client, this.#cutoff!, CHUNK_ROWS))) this.#phase = 'size';
      else if (this.#phase === 'size' && !(await this.#shrink(client))) this.#phase = 'done';
    } catch (err) {
      this.#counters.failed(err);
      this.#phase = 'done';
    }
    if (this.running) return true;
    await this.#end(client, now);
    return false;
  }

  async #end(client: ClientBase, now: number): Promise<void> {
    this.#counters.end(now);
    if (client !== this.#session) return;
    this.#session = undefined;
    try {
      const { rows } = await client.query<{ bytes: string }>(
        "SELECT pg_total_relation_size('traces') + pg_total_relation_size('errors') + pg_total_relation_size('pending_content') AS bytes",
      );
      this.#databaseBytes = Number(rows[0].bytes);
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...RETENTION_LOCK]);
    } catch {
      // The connection is gone, and the lock with it.
    }
  }

  /** While over the cap, deletes the oldest chunk of both tables; false when under the target or empty. */
  async #shrink(client: ClientBase): Promise<boolean> {
    if (this.#options.maxDbBytes === 0) return false;
    if (this.#overTarget === null) {
      const { bytes, rows } = await inUse(client);
      this.#overTarget = rows > 0 && overCap(this.#options, bytes, false) ? rowsOverTarget(this.#options, bytes, rows) : 0;
    }
    if (this.#overTarget <= 0) return false;
    const chunk = Math.min(CHUNK_ROWS, this.#overTarget);
    const times: number[] = [];
    for (const { table, time } of TABLES) {
      const { rows } = await client.query<{ t: string | null }>(
        `SELECT coalesce((SELECT ${time} FROM ${table} ORDER BY ${time} OFFSET $1 LIMIT 1), (SELECT max(${time}) FROM ${table})) AS t`,
        [chunk - 1],
      );
      if (rows[0].t !== null) times.push(Number(rows[0].t));
    }
    if (times.length === 0) return false;
    const deleted = await this.#delete(client, Math.min(...times), chunk);
    this.#overTarget -= deleted;
    return deleted > 0;
  }

  /** Up to `chunk` rows of each table with a time at or before `upTo`, in one transaction; how many. */
  async #delete(client: ClientBase, upTo: number, chunk: number): Promise<number> {
    const [t, e] = await transaction(client, async () => {
      const counts: number[] = [];
      for (const { table, time } of TABLES) {
        const { rowCount } = await client.query(
          `DELETE FROM ${table} WHERE trace_id IN (SELECT trace_id FROM ${table} WHERE ${time} <= $1 ORDER BY ${time} LIMIT $2)`,
          [upTo, chunk],
        );
        counts.push(rowCount ?? 0);
      }
      return counts;
    });
    this.#counters.deleted(t, e);
    return t + e;
  }
}

/** The bytes the live rows take (see above) and how many there are, over both tables, plus pending_content as it is. */
async function inUse(client: ClientBase): Promise<{ bytes: number; rows: number }> {
  let bytes = 0;
  let rows = 0;
  for (const { table, time } of TABLES) {
    const { rows: measured } = await client.query<{ total: string; heap: string; n: string; row_bytes: string | null }>(
      `SELECT pg_total_relation_size('${table}') AS total, pg_table_size('${table}') AS heap, (SELECT count(*) FROM ${table}) AS n,
              (SELECT avg(pg_column_size(s.*)) FROM (SELECT * FROM ${table} ORDER BY ${time} DESC LIMIT 1000) s) AS row_bytes`,
    );
    const total = Number(measured[0].total);
    const heap = Number(measured[0].heap);
    const n = Number(measured[0].n);
    const live = n * Number(measured[0].row_bytes ?? 0);
    bytes += heap > 0 ? total * Math.min(1, live / heap) : total;
    rows += n;
  }
  const { rows: pending } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('pending_content') AS bytes");
  return { bytes: bytes + Number(pending[0].bytes), rows };
}
