import type { ErrorListItem, Page, StatsResult, TraceDetail, TraceListItem } from './answers.js';
import type { ErrorListParams, StatsParams, TraceListParams } from './params.js';
import type { ReadQueries } from './read-queries.js';
import { SQLITE, checkCursor } from './read-sql.js';
import { openReadQueries, type ReaderData } from './read-connection.js';
import { ReaderThread, ReadUnavailableError } from './reader-thread.js';
import type { ReadOp } from './reader-worker.js';
import type { TraceReader } from './trace-reader.js';

export interface SqliteReaderOptions {
  dbPath: string;
  /** Page cache of each read connection in MiB (default 32). */
  cacheMiB?: number;
  /** Reads waiting for a reader thread beyond which new ones are refused (default 64 per thread). */
  maxPending?: number;
  /** How long a read waits on a locked database (rare in WAL mode; default 5000). */
  busyTimeoutMs?: number;
}

/**
 * The read API on the SQLite file, as a component: reader threads with their own read-only connections
 * answer them, so oct's HTTP thread (and ingest) never waits on SQLite. Stats over long windows
 * take seconds at a million rows, so they have a thread of their own and never hold up lists and
 * details. Start it after the exporter, which creates the database.
 */
export class SqliteReader implements TraceReader {
  readonly #data: ReaderData;
  readonly #quick: ReaderThread;
  readonly #stats: ReaderThread;
  #started = false;
  #shutdown: Promise<void> | undefined;

  constructor(options: SqliteReaderOptions) {
    this.#data = { dbPath: options.dbPath, cacheMiB: options.cacheMiB ?? 32, busyTimeoutMs: options.busyTimeoutMs ?? 5_000 };
    this.#quick = new ReaderThread(this.#data, options.maxPending ?? 64);
    this.#stats = new ReaderThread(this.#data, options.maxPending ?? 64);
  }

  /**
   * Resolves once the database can be read (a read-only connection opened and closed here);
   * rejects when it is missing or not an oct database. Each thread starts with its first read: a
   * thread is a V8 heap and a page cache (about 9 MiB idle), and most oct processes only ingest.
   */
  start(): Promise<void> {
    if (this.#shutdown) return Promise.reject(new ReadUnavailableError('the trace reader is shut down'));
    try {
      openReadQueries(this.#data).db.close();
    } catch (err) {
      return Promise.reject(new Error(`cannot read ${this.#data.dbPath}: ${(err as Error).message}`));
    }
    this.#started = true;
    return Promise.resolve();
  }

  listTraces(params: TraceListParams): Promise<Page<TraceListItem>> {
    // Here, not in the thread, so a cursor of the other engine is a ParamError (400).
    checkCursor(SQLITE, params.cursor);
    return this.#read('listTraces', params);
  }

  /** Undefined for an unknown id (→ 404). */
  getTrace(traceId: string): Promise<TraceDetail | undefined> {
    return this.#read('getTrace', traceId);
  }

  listErrors(params: ErrorListParams): Promise<Page<ErrorListItem>> {
    checkCursor(SQLITE, params.cursor);
    return this.#read('listErrors', params);
  }

  stats(params: StatsParams): Promise<StatsResult> {
    return this.#read('stats', params);
  }

  /** Lets the reads already sent finish, then closes the connections. Idempotent; safe without start(). */
  shutdown(): Promise<void> {
    this.#shutdown ??= Promise.all([this.#quick.close(), this.#stats.close()]).then(() => undefined);
    return this.#shutdown;
  }

  async #read<K extends ReadOp>(op: K, arg: Parameters<ReadQueries[K]>[0]): Promise<ReturnType<ReadQueries[K]>> {
    if (this.#shutdown) throw new ReadUnavailableError('the trace reader is shut down');
    if (!this.#started) throw new ReadUnavailableError('the trace reader is not started');
    const thread = op === 'stats' ? this.#stats : this.#quick;
    return (await thread.read(op, arg)) as ReturnType<ReadQueries[K]>;
  }
}
