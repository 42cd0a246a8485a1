import pg from 'pg';
import { LogLimiter } from '../../log-limiter.js';
import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';
import type { Exporter, ExportResult } from '../../pipeline/exporter.js';
import type { ContentStats } from '../sqlite/content-join.js';
import { logRefusedRow } from '../sqlite/sqlite-exporter.js';
import { classify } from './postgres-errors.js';
import { PostgresWriter } from './postgres-writer.js';
import { migrate } from './schema.js';

export interface PostgresExporterOptions {
  /** `postgres://` or `postgresql://` URL (OCT_DATABASE_URL). */
  url: string;
  /** Byte limit of input/output text rendered from log records (OCT_MAX_TEXT_BYTES). */
  maxTextBytes: number;
  /** Seconds log-borne content is kept after its span's last record (OCT_PENDING_CONTENT_TTL_S). */
  pendingContentTtlS: number;
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
}

/** A query that hangs this long (a network partition, a frozen server) counts as a lost connection. */
const QUERY_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The single writer for PostgreSQL, as a pipeline component: one connection, batches written one
 * at a time in arrival order, each in one transaction (postgres-writer.ts). Whatever keeps a batch
 * from the database (connection lost, server restarting or unreachable) is waited out: the batch is
 * retried with backoff on a new connection while the pipeline's queue absorbs what arrives, so the
 * receivers answer 503 once it is full, and nothing acknowledged is lost once the database is back.
 * A deadlock or serialization failure with another oct process is retried at once.
 */
export class PostgresExporter implements Exporter {
  readonly #options: PostgresExporterOptions;
  readonly #logger: Logger;
  readonly #writer: PostgresWriter;
  readonly #state: StorageState = { engine: 'postgres', writable: true, error: null, retries: 0 };
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
  }

  export(batch: PipelineEvent[]): Promise<ExportResult> {
    if (!this.#running || this.#shutdown) return Promise.reject(new Error('the PostgreSQL exporter is not running'));
    const written = this.#tail.then(() => this.#write(batch));
    this.#tail = written.catch(() => {});
    return written;
  }

  contentStats(): ContentStats {
    return this.#writer.contentStats();
  }

  storageState(): StorageState {
    return { ...this.#state };
  }

  /** Lets the batch being written finish (or abandons it while the database is unavailable), then disconnects. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    this.#wake?.();
    await this.#tail;
    this.#running = false;
    await this.#client?.end().catch(() => {});
    this.#client = undefined;
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
