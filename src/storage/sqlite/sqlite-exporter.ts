import { Worker } from 'node:worker_threads';
import { LogLimiter } from '../../log-limiter.js';
import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';
import type { Exporter, ExportResult, StorageState } from '../../pipeline/exporter.js';
import type { ContentStats } from './content-join.js';
import type { Synchronous } from './open-database.js';
import type { RetentionOptions } from '../retention-policy.js';
import { DEFAULT_WAL_LIMITS, type WalLimits } from './wal/progress.js';
import { WalStall } from './wal/stall.js';
import type { RefusedRow } from './sqlite-writer.js';
import type { FromWriter, StorageStats, ToWriter, WriterData } from './writer-worker.js';

export interface SqliteExporterOptions {
  dbPath: string;
  /** Byte limit of input/output text rendered from log records (OCT_MAX_TEXT_BYTES). */
  maxTextBytes: number;
  /** Seconds log-borne content is kept after its span's last record (OCT_PENDING_CONTENT_TTL_S). */
  pendingContentTtlS: number;
  /** When the WAL restarts and how big it may grow; tests use small ones. */
  walLimits?: WalLimits;
  /** FULL when an answer waits for the commit (OCT_ACK=commit). */
  synchronous?: Synchronous;
  /** OCT_RETENTION_DAYS and OCT_MAX_DB_MB; by default rows are kept. */
  retention?: RetentionOptions;
  /** How often a retention pass runs; tests use short ones. */
  retentionIntervalMs?: number;
  /** OCT_MIN_FREE_DISK_MB in bytes; 0 (the default here) turns the free-space check off. */
  minFreeDiskBytes?: number;
}

/** `/healthz` storage: whether writes are taken, the database's size and room, retention counters. */
export interface StorageHealth extends Partial<StorageStats> {
  writable: boolean;
  reason: string | null;
  /** Epoch ms since when writes are refused. */
  since: number | null;
  /** Checkpoint passes that could not copy the whole WAL: busy, or stopped short by a reader's snapshot. */
  wal_incomplete_checkpoints: number;
  /** How long checkpoints have stopped short of the WAL's end (0 while they copy all of it): about the age of the oldest snapshot pinning it. */
  wal_pinned_ms: number;
}

export const RETENTION_INTERVAL_MS = 60_000;

interface PendingWrite {
  size: number;
  resolve: (result: ExportResult) => void;
  reject: (err: Error) => void;
}

/**
 * The single writer, as a pipeline component: batches go to the writer thread, which holds the
 * only read-write connection oct opens and writes each batch in one transaction. Rows the database
 * refuses are counted as failed and logged here (one line per reason, then a summary a minute); a busy database, a
 * full disk or a file it may not write are waited out in the writer thread, never reported as failed
 * rows (one log line when refusing starts, one when it ends).
 */
export class SqliteExporter implements Exporter {
  readonly #options: SqliteExporterOptions;
  readonly #logger: Logger;
  readonly #abort = new SharedArrayBuffer(4);
  readonly #walStallCells = WalStall.allocate();
  readonly #walStall = new WalStall(this.#walStallCells);
  readonly #pending = new Map<number, PendingWrite>();
  /** Failures that repeat batch after batch (a lock held elsewhere, rows of one bad kind): one line, then a summary a minute. */
  readonly #repeats = new LogLimiter();
  #worker: Worker | undefined;
  #content: ContentStats = { pending: 0, joined: 0, superseded: 0, expired: 0 };
  #state: StorageState = { writable: true };
  #stats: StorageStats | undefined;
  readonly #listeners: ((state: StorageState) => void)[] = [];
  #nextId = 0;
  #closed: (() => void) | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: SqliteExporterOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  /** Starts the writer thread; resolves once the database is open and migrated. */
  start(): Promise<void> {
    if (this.#worker) return Promise.resolve();
    const workerData: WriterData = {
      dbPath: this.#options.dbPath,
      maxTextBytes: this.#options.maxTextBytes,
      pendingContentTtlMs: this.#options.pendingContentTtlS * 1000,
      walLimits: this.#options.walLimits ?? DEFAULT_WAL_LIMITS,
      abort: this.#abort,
      walStall: this.#walStallCells,
      synchronous: this.#options.synchronous ?? 'NORMAL',
      retention: this.#options.retention ?? { retentionDays: 0, maxDbBytes: 0 },
      retentionIntervalMs: this.#options.retentionIntervalMs ?? RETENTION_INTERVAL_MS,
      minFreeDiskBytes: this.#options.minFreeDiskBytes ?? 0,
    };
    const worker = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('error', (err) => {
        if (!ready) return reject(err);
        this.#logger.error(`SQLite writer thread crashed: ${err.message}`);
      });
      worker.on('message', (message: FromWriter) => {
        if (message.type === 'ready') {
          ready = true;
          this.#content = message.content;
          resolve();
        } else if (message.type === 'fatal') {
          this.#worker = undefined;
          reject(new Error(`cannot open or write ${this.#options.dbPath}: ${message.message}`));
        } else this.#receive(message);
      });
      worker.on('exit', () => this.#exited());
    });
  }

  export(batch: PipelineEvent[]): Promise<ExportResult> {
    const worker = this.#worker;
    if (!worker || this.#shutdown) return Promise.reject(new Error('the SQLite exporter is not running'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { size: batch.length, resolve, reject });
      worker.postMessage({ type: 'write', id, batch } satisfies ToWriter);
    });
  }

  onStorageState(listener: (state: StorageState) => void): void {
    this.#listeners.push(listener);
  }

  storageHealth(): StorageHealth {
    const state = this.#state;
    return {
      writable: state.writable,
      reason: state.writable ? null : state.reason,
      since: state.writable ? null : state.since,
      ...this.#stats,
      wal_incomplete_checkpoints: this.#walStall.incompleteCheckpoints,
      wal_pinned_ms: this.#walStall.pinnedMs(),
    };
  }

  /** Log-borne content as of the last written batch: records waiting for their span, joined, superseded, expired. */
  contentStats(): ContentStats {
    return { ...this.#content };
  }

  /** Abandons a batch stuck on a locked database, then closes the database (final checkpoint). */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const abort = new Int32Array(this.#abort);
    Atomics.store(abort, 0, 1);
    Atomics.notify(abort, 0);
    await new Promise<void>((resolve) => {
      this.#closed = resolve;
      worker.postMessage({ type: 'close' } satisfies ToWriter);
    });
  }

  #receive(message: FromWriter): void {
    switch (message.type) {
      case 'busy': {
        const size = this.#pending.get(message.id)?.size ?? '?';
        this.#repeats.note(
          'busy',
          (line) => this.#logger.warn(line),
          () => `database is locked by another connection; retrying the batch of ${size}`,
          (n) => `${n} more batches waited for a lock held by another connection in the last minute`,
        );
        return;
      }
      case 'warning':
        this.#logger.warn(message.message);
        return;
      case 'notice':
        this.#logger.info(message.message);
        return;
      case 'refusing':
        this.#logger.error(`${message.reason}: refusing new data with 503; the ${this.#pending.size} batches held are kept and retried`);
        return this.#setState({ writable: false, reason: message.reason, since: message.since });
      case 'resumed':
        this.#logger.info(
          `the database takes writes again after ${Math.round((Date.now() - this.#refusedSince()) / 1000)} s; admitting data`,
        );
        return this.#setState({ writable: true });
      case 'stats':
        this.#stats = message.stats;
        return;
      case 'written': {
        const { refused, content, ...result } = message.outcome;
        this.#content = content;
        for (const row of refused) logRefusedRow(this.#repeats, this.#logger, row);
        return this.#settle(message.id, (p) => p.resolve(result));
      }
      case 'failed':
        return this.#settle(message.id, (p) => p.reject(new Error(message.message)));
      case 'abandoned':
        return this.#settle(message.id, (p) => p.reject(new Error('shut down while the database was locked')));
      case 'closed':
        if (message.message) this.#logger.warn(`final checkpoint failed: ${message.message}`);
        this.#closed?.();
        return;
    }
  }

  #refusedSince(): number {
    return this.#state.writable ? Date.now() : this.#state.since;
  }

  #setState(state: StorageState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }

  #settle(id: number, action: (pending: PendingWrite) => void): void {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (pending) action(pending);
  }

  /** The writer thread is gone: nothing still pending can be written any more. */
  #exited(): void {
    this.#worker = undefined;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new Error('the SQLite writer thread stopped'));
    }
    this.#closed?.();
  }
}

/** A row the database refused: the first of each reason in full, then how many more. */
export function logRefusedRow(repeats: LogLimiter, logger: Logger, row: RefusedRow): void {
  repeats.note(
    `${row.type} row: ${row.reason}`,
    (line) => logger.warn(line),
    () => `${row.type} row ${row.traceId} refused by the database and dropped: ${row.reason}`,
    (n, kind) => `${n} more rows refused by the database and dropped in the last minute (${kind})`,
  );
}
