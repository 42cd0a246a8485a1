import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { WalProgress, type CheckpointResult, type WalLimits } from './progress.js';
import { WalStall } from './stall.js';

/**
 * The checkpointer thread: copies committed WAL frames back into the database file (PASSIVE
 * checkpoints on its own connection) while the writer thread keeps committing, so the copying and
 * its fsync no longer stall the writer (SQLite's auto-checkpoint runs on the committing thread and
 * took about half of the writer's time). It never takes the write lock and writes no rows. It also
 * watches whether its passes keep up (stall.ts) and says once when a read transaction pins the WAL.
 * Message: `close` (it then exits).
 */

export interface CheckpointerData {
  dbPath: string;
  progress: SharedArrayBuffer;
  /** WalStall's cells, read by the main thread for /healthz. */
  stall: SharedArrayBuffer;
  intervalMs: number;
  limits: WalLimits;
}

export type FromCheckpointer =
  { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stalled'; walFrames: number; pinnedMs: number } | { type: 'resumed' };

const port = parentPort!;
const data = workerData as CheckpointerData;
const progress = new WalProgress(data.progress);
const stall = new WalStall(data.stall);
const send = (message: FromCheckpointer) => port.postMessage(message);

let db: Database.Database;
try {
  db = new Database(data.dbPath, { fileMustExist: true });
  // The pages it copies are read from the WAL and written straight to the file: no cache needed.
  db.pragma('cache_size = -2048');
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
  process.exit(1); // in a worker this ends only this thread; the writer then checkpoints on commit
}

let timer: NodeJS.Timeout | undefined;
let previousLog = 0;
let lastFailure = '';
function pass(): void {
  let again = false;
  if (progress.writerCheckpointing) {
    timer = setTimeout(pass, data.intervalMs);
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    lastFailure = '';
    if (result && result.log < 0) stall.busy();
    if (result && result.log >= 0) {
      const seen = stall.observe(result, data.limits.restartFrames);
      if (seen === 'stalled') send({ type: 'stalled', walFrames: result.log, pinnedMs: stall.pinnedMs() });
      else if (seen === 'resumed') send({ type: 'resumed' });
      // Frames committed since the previous pass began: about what the next pass would find.
      const appended = result.log >= previousLog ? result.log - previousLog : result.log;
      previousLog = result.log;
      const due = result.log >= data.limits.restartFrames && result.checkpointed === result.log;
      progress.writerCatchUp = due && appended <= data.limits.catchUpFrames;
      again = due && appended > data.limits.catchUpFrames;
    }
  } catch (err) {
    // SQLITE_BUSY here only means another checkpoint ran at the same moment: try next time. A
    // failure that repeats (a full disk) is reported once, not every pass.
    const message = (err as Error).message;
    const busy = String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY');
    if (busy) stall.busy();
    if (!busy && message !== lastFailure) {
      send({ type: 'failed', message });
    }
    lastFailure = message;
  }
  timer = setTimeout(pass, again ? 0 : data.intervalMs);
}
timer = setTimeout(pass, data.intervalMs);

port.on('message', (message: { type: 'close' }) => {
  if (message.type !== 'close') return;
  clearTimeout(timer);
  db.close();
  port.close();
});
