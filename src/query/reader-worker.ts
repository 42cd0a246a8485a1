import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openReadQueries, type ReaderData } from './read-connection.js';
import type { ReadQueries } from './read-queries.js';

/**
 * The reader thread: one read-only connection, so a slow query blocks neither the HTTP thread nor
 * the writer (WAL readers never block the writer). Requests are answered one at a time, in order;
 * `close` after the ones sent before it.
 */

export type ReadOp = 'listTraces' | 'getTrace' | 'listErrors' | 'stats';
export type ToReader = { type: 'read'; id: number; op: ReadOp; arg: unknown } | { type: 'close' };
export type FromReader =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'failed'; id: number; message: string };

const port = parentPort!;
const data = workerData as ReaderData;
const send = (message: FromReader) => port.postMessage(message);

let db: Database.Database;
let queries: ReadQueries;
try {
  ({ db, queries } = openReadQueries(data));
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).message });
  process.exit(1);
}

port.on('message', (message: ToReader) => {
  if (message.type === 'close') {
    db.close();
    return port.close();
  }
  const { id, op, arg } = message;
  try {
    send({ type: 'result', id, value: (queries[op] as (a: unknown) => unknown).call(queries, arg) });
  } catch (err) {
    send({ type: 'failed', id, message: (err as Error).message });
  }
});
