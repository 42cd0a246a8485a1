import pg from 'pg';
import { LogLimiter } from '../../log-limiter.js';
import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';
import type { Exporter, ExportResult } from '../../pipeline/exporter.js';
import type { RetentionOptions } from '../retention-policy.js';
import type { ContentStats } from '../sqlite/content-join.js';
import { logRefusedRow } from '../sqlite/sqlite-exporter.js';
import { classify } from './postgres-errors.js';
import { PostgresWriter } from './postgres-writer.js';
import { PostgresRetention, type PostgresRetentionStats } from './retention.js';
import { migrate } from './schema.js';

export interface PostgresExporterOptions {
  /** `postgres://` or `postgresql://` URL (OCT_DATABASE_URL). */
  url: string;
  /** Byte limit of input/output text rendered from log records (OCT_MAX_TEXT_BYTES). */
  maxTextBytes: number;
  /** Seconds log-borne content is kept after its span's last record (OCT_PENDING_CONTENT_TTL_S). */
  pendingContentTtlS: number;
  /** OCT_RETENTION_DAYS and OCT_MAX_DB_MB; by default rows are kept. */
  retention?: RetentionOptions;
  /** How often a retention pass starts (the first at start-up); tests use short ones. */
  retentionIntervalMs?: number;
  /** OCT_ACK=commit: a commit returns once it is durable on the server, whatever its synchronous_commit. */
  durableCommits?: boolean;
  /** Backoff between attempts while the database is unavailable; tests use short ones. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Whether batches reach the database, shown on `/healthz` as `storage`. */
export interface StorageState {
  engine: 'postgres';
  writable: boolean;
  /** Why the last attempt failed, while not writable. */
  error: string | null;
  /** Batch attempts that failed because the database was unavailable, or conflicted with another oct process. */
  retries: number;
  /** `pg_total_relation_size` of oct's tables as of the last retention pass; null before the first. */
  database_bytes: number | null;
  retention: PostgresRetentionStats;
}

/** A query that hangs this long (a network partition, a frozen server) counts as a lost connection. */
const QUERY_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;
const RETENTION_INTERVAL_MS = 60_000;
/** While no batch is written, the database is asked this often whether it is there, for `/readyz`. */
const PROBE_INTERVAL_MS = 2_000;
/** A probe unanswered this long counts as the database gone (a batch's statements get QUERY_TIMEOUT_MS). */
const PROBE_TIMEOUT_MS = 5_000;
const PROBE: pg.QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: PROBE_TIMEOUT_MS };

/**
 * The single writer for PostgreSQL, as a pipeline component: one connection, batches written one
 * at a time in arrival order, each in one transaction (postgres-writer.ts). Whatever keeps a batch
 * from the database (connection lost, server restarting or unreachable) is waited out: the batch is
 * retried with backoff on a new connection while the pipeline's queue absorbs what arrives, so the
 * receivers answer 503 once it is full, and nothing acknowledged is lost once the database is back.
 * A deadlock or serialization failure with another oct process is retried at once. Retention passes
 * (retention.ts) run at start-up and every minute, one delete transaction at a time between batches.
 * While no batch arrives, a `SELECT 1` every two seconds keeps `writable` (so `/readyz`) true to the
 * database: it turns false within seconds of PostgreSQL going away and true again when it is back.
 */
export class PostgresExporter implements Exporter {
  readonly #options: PostgresExporterOptions;
  readonly #logger: Logger;
  readonly #writer: PostgresWriter;
  readonly #retention: PostgresRetention;
  readonly #state = { engine: 'postgres' as const, writable: true, error: null as string | null, retries: 0 };
  #nextPass: NodeJS.Timeout | undefined;
  #nextProbe: NodeJS.Timeout | undefined;
  /** When a batch was last written (performance.now()): the probe is needed only while none is. */
  #lastWrite = 0;
  /** Failures that repeat batch after batch: one line, then a summary a minute. */
  readonly #repeats = new LogLimiter();
  #client: pg.Client | undefined;
  #running = false;
  #tail: Promise<unknown> = Promise.resolve();
  /** Wakes a backoff sleep on shutdown. */
  #wake: (() => void) | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: PostgresExporterOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#writer = new PostgresWriter({ maxTextBytes: options.maxTextBytes, ttlMs: options.pendingContentTtlS * 1000 });
    this.#retention = new PostgresRetention(options.retention ?? { retentionDays: 0, maxDbBytes: 0 });
  }

  /** Connects and migrates (under an advisory lock); rejects when the database cannot be reached. */
  async start(): Promise<void> {
    if (this.#running || this.#shutdown) return;
    const client = await this.#connect();
    try {
      await migrate(client);
      await this.#writer.load(client);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.#client = client;
    this.#running = true;
    this.#retentionTurn(true);
    this.#scheduleProbe();
  }

  export(batch: PipelineEvent[]): Promise<ExportResult> {
    if (!this.#running || this.#shutdown) return Promise.reject(new Error('the PostgreSQL exporter is not running'));
    return this.#next(() => this.#write(batch));
  }

  contentStats(): ContentStats {
    return this.#writer.contentStats();
  }

  storageState(): StorageState {
    return { ...this.#state, database_bytes: this.#retention.databaseBytes(), retention: this.#retention.stats() };
  }

  /** Lets the batch being written finish (or abandons it while the database is unavailable), then disconnects. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    clearTimeout(this.#nextPass);
    clearTimeout(this.#nextProbe);
    this.#wake?.();
    await this.#tail;
    this.#running = false;
    await this.#client?.end().catch(() => {});
    this.#client = undefined;
  }

  /** Runs `work` on the connection after everything handed over before it. */
  #next<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#tail.then(work);
    this.#tail = done.catch(() => {});
    return done;
  }

  /** Starts a retention pass (`first`) or runs its next step, after the batches handed over meanwhile. */
  #retentionTurn(first: boolean): void {
    const turn = this.#next(async () => {
      if (this.#shutdown || this.#client === undefined) return false; // unavailable: the next pass tries again
      const now = Date.now();
      return first ? this.#retention.begin(this.#client, now) : this.#retention.step(this.#client, now);
    });
    const scheduleNext = () => {
      if (this.#shutdown) return;
      this.#nextPass = setTimeout(() => this.#retentionTurn(true), this.#options.retentionIntervalMs ?? RETENTION_INTERVAL_MS);
      this.#nextPass.unref();
    };
    turn.then((more) => (more ? this.#retentionTurn(false) : scheduleNext()), scheduleNext);
  }

  #scheduleProbe(): void {
    if (this.#shutdown) return;
    this.#nextProbe = setTimeout(() => void this.#next(() => this.#probe()).then(() => this.#scheduleProbe()), PROBE_INTERVAL_MS);
    this.#nextProbe.unref();
  }

  /** Asks the database whether it is there, unless a batch just showed it; never throws. */
  async #probe(): Promise<void> {
    if (this.#shutdown || performance.now() - this.#lastWrite < PROBE_INTERVAL_MS) return;
    try {
      this.#client ??= await this.#connect();
      await this.#client.query(PROBE);
      if (!this.#state.writable) this.#logger.info('PostgreSQL is reachable again');
      this.#state.writable = true;
      this.#state.error = null;
    } catch (err) {
      const message = (err as Error).message || String(err);
      if (this.#state.writable) this.#logger.warn(`PostgreSQL is not reachable (${message}); batches wait for it`);
      this.#state.writable = false;
      this.#state.error = message;
      this.#disconnect();
    }
  }

  async #write(batch: PipelineEvent[]): Promise<ExportResult> {
    let unavailableSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        this.#client ??= await this.#connect();
        const { refused, content: _content, ...result } = await this.#writer.write(this.#client, batch);
        for (const row of refused) logRefusedRow(this.#repeats, this.#logger, row);
        if (unavailableSince !== undefined) {
          this.#logger.info(`PostgreSQL is writable again after ${Math.round(performance.now() - unavailableSince)} ms`);
        }
        this.#state.writable = true;
        this.#state.error = null;
        this.#lastWrite = performance.now();
        return result;
      } catch (err) {
        this.#state.retries++;
        if (classify(err) === 'conflict') continue;
        const message = (err as Error).message || String(err);
        if (unavailableSince === undefined) {
          unavailableSince = performance.now();
          this.#repeats.note(
            'unavailable',
            (line) => this.#logger.warn(line),
            () => `PostgreSQL is not writable (${message}); retrying the batch of ${batch.length} events with backoff`,
            (n) => `${n} more batches found PostgreSQL not writable in the last minute (last: ${this.#state.error ?? message})`,
          );
        }
        this.#state.writable = false;
        this.#state.error = message;
        this.#disconnect();
        if (this.#shutdown) throw new Error(`shut down while PostgreSQL was not writable: ${message}`, { cause: err });
        await this.#sleep(Math.min(this.#options.retryMaxMs ?? 2_000, (this.#options.retryMinMs ?? 100) * 2 ** Math.min(attempt, 10)));
        if (this.#shutdown) throw new Error(`shut down while PostgreSQL was not writable: ${message}`, { cause: err });
      }
    }
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'oct',
    });
    // A connection dropped while idle: forget it, the next batch connects again.
    client.on('error', () => {
      if (this.#client === client) this.#disconnect();
    });
    try {
      await client.connect();
      if (this.#options.durableCommits) await raiseSynchronousCommit(client);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  #disconnect(): void {
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => {});
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A server that commits asynchronously (`synchronous_commit = off`) is asked to wait for the WAL flush on this connection. */
async function raiseSynchronousCommit(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ setting: string }>("SELECT current_setting('synchronous_commit') AS setting");
  if (rows[0].setting === 'off') await client.query("SET synchronous_commit = 'on'");
}
