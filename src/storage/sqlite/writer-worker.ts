import { parentPort, Worker, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { PipelineEvent } from '../../model/events.js';
import type { ContentStats } from './content-join.js';
import { closeDatabase, openDatabase } from './open-database.js';
import { DatabaseBusyError, SqliteWriter, type SqliteWriterOptions, type WriteOutcome } from './sqlite-writer.js';
import { checkpointOnCommit, WalCatchUp, walFile, walMaxBytes } from './wal/catch-up.js';
import type { CheckpointerData, FromCheckpointer } from './wal/checkpointer.js';
import { WalProgress, type WalLimits } from './wal/progress.js';

/**
 * The writer thread: owns oct's only read-write SQLite connection, so commits and index updates
 * never stall the HTTP event loop. It starts the checkpointer thread (wal/checkpointer.ts), which
 * copies the WAL back meanwhile. Messages from the exporter: `write` (one batch → one `written` or
 * `failed` reply) and `close`.
 */

export type ToWriter = { type: 'write'; id: number; batch: PipelineEvent[] } | { type: 'close' };
export type FromWriter =
  | { type: 'ready'; content: ContentStats }
  | { type: 'fatal'; message: string }
  | { type: 'busy'; id: number }
  | { type: 'written'; id: number; outcome: WriteOutcome }
  | { type: 'failed'; id: number; message: string }
  | { type: 'abandoned'; id: number }
  | { type: 'warning'; message: string }
  | { type: 'closed'; message?: string };

export interface WriterData extends SqliteWriterOptions {
  dbPath: string;
  walLimits: WalLimits;
  /** Int32 flag set by the exporter on shutdown; wakes a busy-wait so the batch is abandoned. */
  abort: SharedArrayBuffer;
}

const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;
/** How often the checkpointer copies newly committed WAL frames back. */
const CHECKPOINT_INTERVAL_MS = 100;

const port = parentPort!;
const data = workerData as WriterData;
const abort = new Int32Array(data.abort);
const send = (message: FromWriter) => port.postMessage(message);

let db: Database.Database;
let writer: SqliteWriter;
let catchUp: WalCatchUp;
let checkpointer: Worker;
let closing = false;
try {
  db = openDatabase(data.dbPath);
  writer = new SqliteWriter(db, data);
  const progress = WalProgress.allocate();
  catchUp = new WalCatchUp(walFile(db, data.dbPath), new WalProgress(progress), walMaxBytes(db, data.walLimits));
  checkpointer = await startCheckpointer({ dbPath: data.dbPath, progress, intervalMs: CHECKPOINT_INTERVAL_MS, limits: data.walLimits });
  send({ type: 'ready', content: writer.contentStats() });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message });
  process.exit(1); // in a worker this ends only this thread; the exporter rejects start()
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'close') return void close();
  write(message.id, message.batch);
});

function startCheckpointer(checkpointerData: CheckpointerData): Promise<Worker> {
  const worker = new Worker(new URL('./wal/checkpointer.js', import.meta.url), { workerData: checkpointerData });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: FromCheckpointer) => {
      if (message.type === 'ready') resolve(worker);
      else if (message.type === 'failed') send({ type: 'warning', message: `WAL checkpoint failed: ${message.message}` });
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      if (closing) return;
      checkpointOnCommit(db);
      send({ type: 'warning', message: 'the WAL checkpointer thread stopped; checkpointing on the writer thread instead' });
    });
  });
}

/** Stops the checkpointer, then closes the database with a final checkpoint. */
async function close(): Promise<void> {
  closing = true;
  await new Promise<void>((resolve) => {
    checkpointer.once('exit', () => resolve());
    checkpointer.postMessage({ type: 'close' });
  });
  try {
    closeDatabase(db);
    send({ type: 'closed' });
  } catch (err) {
    send({ type: 'closed', message: (err as Error).message });
  }
  port.close();
}

/** Writes a batch, waiting out a lock held by another connection (blocking only this thread). */
function write(id: number, batch: PipelineEvent[]): void {
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = writer.write(batch);
      catchUp.afterCommit();
      return send({ type: 'written', id, outcome });
    } catch (err) {
      if (!(err instanceof DatabaseBusyError)) return send({ type: 'failed', id, message: (err as Error).message });
      if (attempt === 0) send({ type: 'busy', id });
      // Sleeps with backoff; shutdown sets the abort flag and wakes it.
      Atomics.wait(abort, 0, 0, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
      if (Atomics.load(abort, 0) !== 0) return send({ type: 'abandoned', id });
    }
  }
}
