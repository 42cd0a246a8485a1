import { parentPort, workerData } from 'node:worker_threads';
import type { PipelineEvent } from '../pipeline/events.js';
import type { ContentStats } from './content-join.js';
import { DatabaseBusyError, SqliteWriter, type SqliteWriterOptions, type WriteOutcome } from './sqlite-writer.js';

/**
 * The writer thread: owns oct's only read-write SQLite connection, so commits, index updates and
 * WAL checkpoints (fsync) never stall the HTTP event loop. Messages from the exporter:
 * `write` (one batch → one `written` or `failed` reply) and `close`.
 */

export type ToWriter = { type: 'write'; id: number; batch: PipelineEvent[] } | { type: 'close' };
export type FromWriter =
  | { type: 'ready'; content: ContentStats }
  | { type: 'fatal'; message: string }
  | { type: 'busy'; id: number }
  | { type: 'written'; id: number; outcome: WriteOutcome }
  | { type: 'failed'; id: number; message: string }
  | { type: 'abandoned'; id: number }
  | { type: 'closed'; message?: string };

export interface WriterData extends SqliteWriterOptions {
  /** Int32 flag set by the exporter on shutdown; wakes a busy-wait so the batch is abandoned. */
  abort: SharedArrayBuffer;
}

const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;

const port = parentPort!;
const data = workerData as WriterData;
const abort = new Int32Array(data.abort);
const send = (message: FromWriter) => port.postMessage(message);

let writer: SqliteWriter;
try {
  writer = new SqliteWriter(data);
  send({ type: 'ready', content: writer.contentStats() });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message });
  process.exit(1);
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'close') {
    try {
      writer.close();
      send({ type: 'closed' });
    } catch (err) {
      send({ type: 'closed', message: (err as Error).message });
    }
    port.close();
    return;
  }
  write(message.id, message.batch);
});

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
