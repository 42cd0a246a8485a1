import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { PipelineEvent } from '../../model/events.js';
import type { ContentStats } from './content-join.js';
import { DatabaseBusyError, SqliteWriter, type SqliteWriterOptions, type WriteOutcome } from './sqlite-writer.js';
import type { CheckpointerData, FromCheckpointer } from './wal/checkpointer.js';
import { WalProgress } from './wal/progress.js';

/**
 * The writer thread: owns oct's only read-write SQLite connection, so commits and index updates
 * never stall the HTTP event loop. It starts the checkpointer thread (wal-checkpointer.ts), which
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

export interface WriterData extends Omit<SqliteWriterOptions, 'walProgress'> {
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

let writer: SqliteWriter;
let checkpointer: Worker;
let closing = false;
try {
  const walProgress = WalProgress.allocate();
  writer = new SqliteWriter({ ...data, walProgress });
  checkpointer = await startCheckpointer({
    dbPath: data.dbPath,
    progress: walProgress,
    intervalMs: CHECKPOINT_INTERVAL_MS,
    limits: data.walLimits,
  });
  send({ type: 'ready', content: writer.contentStats() });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message });
  process.exit(1);
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
      // Without it the WAL would grow without bound: let SQLite checkpoint on this thread again.
      writer.checkpointOnCommit();
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
    writer.close();
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
      return send({ type: 'written', id, outcome: writer.write(batch) });
    } catch (err) {
      if (!(err instanceof DatabaseBusyError)) return send({ type: 'failed', id, message: (err as Error).message });
      if (attempt === 0) send({ type: 'busy', id });
      // Sleeps with backoff; shutdown sets the abort flag and wakes it.
      Atomics.wait(abort, 0, 0, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
      if (Atomics.load(abort, 0) !== 0) return send({ type: 'abandoned', id });
    }
  }
}
