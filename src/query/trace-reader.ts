import { Worker } from 'node:worker_threads';
import type { ErrorListParams, StatsParams, TraceListParams } from './params.js';
import type { ErrorListItem, Page, ReadQueries, StatsResult, TraceDetail, TraceListItem } from './read-queries.js';
import type { FromReader, ReadOp, ReaderData, ToReader } from './reader-worker.js';

export interface TraceReaderOptions {
  dbPath: string;
  /** Page cache of the read connection in MiB (default 32). */
  cacheMiB?: number;
  /** Reads waiting for the reader thread beyond which new ones are refused (default 64). */
  maxPending?: number;
  /** How long a read waits on a locked database (rare in WAL mode; default 5000). */
  busyTimeoutMs?: number;
}

/** The reader cannot take the read now (not started, shut down, or too many waiting): answer 503. */
export class ReadUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadUnavailableError';
  }
}

interface PendingRead {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * The read API's queries as a component: a reader thread with its own read-only connection
 * answers them, so oct's HTTP thread (and ingest) never waits on SQLite. Start it after the
 * exporter, which creates the database. A reader thread that dies is started again by the next read.
 */
export class TraceReader {
  readonly #options: TraceReaderOptions;
  readonly #pending = new Map<number, PendingRead>();
  #worker: Worker | undefined;
  #starting: Promise<void> | undefined;
  #started = false;
  #nextId = 0;
  #closed: (() => void) | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: TraceReaderOptions) {
    this.#options = options;
  }

  /** Resolves once the database is open; rejects when it is missing or not an oct database. */
  start(): Promise<void> {
    if (this.#shutdown) return Promise.reject(new ReadUnavailableError('the trace reader is shut down'));
    this.#started = true;
    this.#starting ??= this.#spawn().catch((err: unknown) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  listTraces(params: TraceListParams): Promise<Page<TraceListItem>> {
    return this.#read('listTraces', params);
  }

  /** Undefined for an unknown id (→ 404). */
  getTrace(traceId: string): Promise<TraceDetail | undefined> {
    return this.#read('getTrace', traceId);
  }

  listErrors(params: ErrorListParams): Promise<Page<ErrorListItem>> {
    return this.#read('listErrors', params);
  }

  stats(params: StatsParams): Promise<StatsResult> {
    return this.#read('stats', params);
  }

  /** Lets the reads already sent finish, then closes the connection. Idempotent; safe without start(). */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  #spawn(): Promise<void> {
    const workerData: ReaderData = {
      dbPath: this.#options.dbPath,
      cacheMiB: this.#options.cacheMiB ?? 32,
      busyTimeoutMs: this.#options.busyTimeoutMs ?? 5_000,
    };
    const worker = new Worker(new URL('./reader-worker.js', import.meta.url), { workerData });
    return new Promise((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (message: FromReader) => {
        if (message.type === 'ready') {
          this.#worker = worker;
          resolve();
        } else if (message.type === 'fatal') reject(new Error(`cannot read ${this.#options.dbPath}: ${message.message}`));
        else this.#settle(message);
      });
      worker.on('exit', () => this.#exited(worker));
    });
  }

  async #read<K extends ReadOp>(op: K, arg: Parameters<ReadQueries[K]>[0]): Promise<ReturnType<ReadQueries[K]>> {
    if (this.#shutdown) throw new ReadUnavailableError('the trace reader is shut down');
    if (!this.#started) throw new ReadUnavailableError('the trace reader is not started');
    await this.start();
    if (this.#pending.size >= (this.#options.maxPending ?? 64)) throw new ReadUnavailableError('too many reads waiting; retry shortly');
    const worker = this.#worker!;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ type: 'read', id, op, arg } satisfies ToReader);
    });
  }

  #settle(message: Extract<FromReader, { id: number }>): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (message.type === 'result') pending?.resolve(message.value);
    else pending?.reject(new Error(message.message));
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      this.#closed = resolve;
      worker.postMessage({ type: 'close' } satisfies ToReader);
    });
  }

  /** The thread is gone: reads it held fail, and the next read starts a new one. */
  #exited(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#starting = undefined;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new ReadUnavailableError('the reader thread stopped'));
    }
    this.#closed?.();
  }
}
