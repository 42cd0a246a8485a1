import { parentPort, Worker, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { PipelineEvent } from '../../model/events.js';
import type { ContentStats } from './content-join.js';
import { DiskGuard } from './disk-guard.js';
import { StorageFaultError } from './faults.js';
import { closeDatabase, openDatabase, type Synchronous } from './open-database.js';
import type { RetentionOptions, RetentionStats } from '../retention-policy.js';
import { Retention } from './retention.js';
import { DatabaseBusyError, SqliteWriter, type SqliteWriterOptions, type WriteOutcome } from './sqlite-writer.js';
import { checkpointOnCommit, WalCatchUp, walFile, walMaxBytes } from './wal/catch-up.js';
import type { CheckpointerData, FromCheckpointer } from './wal/checkpointer.js';
import { WalProgress, type WalLimits } from './wal/progress.js';

/**
 * The writer thread: owns oct's only read-write SQLite connection, so commits and index updates
 * never stall the HTTP event loop. It starts the checkpointer thread (wal/checkpointer.ts), which
 * copies the WAL back meanwhile. Messages from the exporter: `write` (one batch → one `written` or
 * `failed` reply) and `close`. Between batches it runs the retention passes (retention.ts), one
 * small transaction per turn of its event loop. A batch the storage refuses (faults.ts, or too
 * little free disk) is kept and retried until it is written: `refusing` when that starts,
 * `resumed` when a write succeeds again, so the pipeline stops and restarts admitting.
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
  | { type: 'notice'; message: string }
  | { type: 'refusing'; reason: string; since: number }
  | { type: 'resumed' }
  | { type: 'stats'; stats: StorageStats }
  | { type: 'closed'; message?: string };

export interface WriterData extends SqliteWriterOptions {
  dbPath: string;
  walLimits: WalLimits;
  /** Int32 flag set by the exporter on shutdown; wakes a busy-wait so the batch is abandoned. */
  abort: SharedArrayBuffer;
  /** The checkpointer's WalStall cells (wal/stall.ts). */
  walStall: SharedArrayBuffer;
  synchronous: Synchronous;
  retention: RetentionOptions;
  /** How often a retention pass starts (the first at start-up). */
  retentionIntervalMs: number;
  minFreeDiskBytes: number;
}

/** The database's size and room as of the last report, and the retention counters. */
export interface StorageStats {
  database_bytes: number;
  free_pages: number;
  page_size: number;
  wal_bytes: number;
  free_disk_bytes: number;
  retention: RetentionStats;
}

const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;
/** A refusing storage is retried at most this often: the disk fills and frees over seconds, not milliseconds. */
const FAULT_RETRY_MAX_MS = 1_000;
/** Size and room are reported (and the size cap checked) at most this often while batches flow. */
const REPORT_INTERVAL_MS = 1_000;
/** While batches keep coming, a pass waits this many times its last delete's duration before the next: at most a quarter of the writer's time. */
const STEP_SPACING = 3;
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
let retention: Retention;
let guard: DiskGuard;
let wal: ReturnType<typeof walFile>;
let closing = false;
/** Set while a batch waits for the storage to take writes again. */
let refusing: string | undefined;
let lastReport = 0;
let nextStepAt = 0;
let nextPass: NodeJS.Timeout | undefined;
let nextPassAt = 0;
let lastCheckpointFailure = '';
try {
  db = openDatabase(data.dbPath, data.synchronous);
  writer = new SqliteWriter(db, data);
  retention = new Retention(db, data.retention);
  guard = new DiskGuard(data.dbPath, data.minFreeDiskBytes, () => retention.freePages() * pageSize());
  wal = walFile(db, data.dbPath);
  const progress = WalProgress.allocate();
  catchUp = new WalCatchUp(wal, new WalProgress(progress), walMaxBytes(db, data.walLimits));
  checkpointer = await startCheckpointer({
    dbPath: data.dbPath,
    progress,
    stall: data.walStall,
    intervalMs: CHECKPOINT_INTERVAL_MS,
    limits: data.walLimits,
  });
  send({ type: 'ready', content: writer.contentStats() });
  refuseUntilRoom();
  report();
  startPass();
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
      else if (message.type === 'stalled') send({ type: 'warning', message: stalledWarning(message.walFrames, message.pinnedMs) });
      else send({ type: 'notice', message: 'WAL checkpoints copy the whole WAL again; it restarts at the next write' });
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      if (closing) return;
      checkpointOnCommit(db);
      send({ type: 'warning', message: 'the WAL checkpointer thread stopped; checkpointing on the writer thread instead' });
    });
  });
}

function stalledWarning(walFrames: number, pinnedMs: number): string {
  const mib = ((walFrames * (pageSize() + 24)) / 1_048_576).toFixed(1);
  const restartMib = ((data.walLimits.restartFrames * (pageSize() + 24)) / 1_048_576).toFixed(1);
  return (
    `the WAL is ${mib} MiB, past its restart size (${restartMib} MiB), and checkpoints have not progressed for ${(pinnedMs / 1000).toFixed(1)} s: ` +
    'a read transaction is probably left open on the database (a dashboard, a script or a sqlite3 shell holding a snapshot); ' +
    'the WAL grows until it ends, and the disk guard refuses writes before the disk fills'
  );
}

/** Stops the checkpointer, then closes the database with a final checkpoint. */
async function close(): Promise<void> {
  closing = true;
  clearTimeout(nextPass);
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

/**
 * Writes a batch, waiting out a lock held by another connection or a storage that refuses writes
 * (blocking only this thread; retention steps run meanwhile, since deleting may make room).
 */
function write(id: number, batch: PipelineEvent[]): void {
  for (let attempt = 0; ; attempt++) {
    let fault = guard.check();
    if (fault === undefined) {
      try {
        const outcome = writer.write(batch);
        afterCommit();
        if (refusing !== undefined) {
          refusing = undefined;
          send({ type: 'resumed' });
        }
        send({ type: 'written', id, outcome });
        if (performance.now() - lastReport >= REPORT_INTERVAL_MS) report();
        // Under sustained load the next batch is always waiting, and a port drains up to a thousand
        // messages before setImmediate runs: without this a pass would wait for a lull.
        if (retention.running && performance.now() >= nextStepAt) retentionStep();
        return;
      } catch (err) {
        if (err instanceof StorageFaultError) fault = err.diskFull ? guard.diskFullReason(err.message) : err.message;
        else if (!(err instanceof DatabaseBusyError)) return send({ type: 'failed', id, message: (err as Error).message });
        else if (attempt === 0) send({ type: 'busy', id });
      }
    }
    if (fault !== undefined && refusing === undefined) {
      refusing = fault;
      send({ type: 'refusing', reason: fault, since: Date.now() });
      report();
    }
    if (fault !== undefined) {
      if (!retention.running && Date.now() >= nextPassAt) retention.begin(Date.now());
      if (retention.running) retentionStep();
    }
    // Sleeps with backoff; shutdown sets the abort flag and wakes it.
    Atomics.wait(abort, 0, 0, Math.min(fault === undefined ? RETRY_MAX_MS : FAULT_RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt));
    if (Atomics.load(abort, 0) !== 0) return send({ type: 'abandoned', id });
  }
}

/**
 * The disk guard before any batch, so readiness is right from the start: while there is too little
 * room, no batch arrives to be retried (admission refuses them all), so room is checked again here.
 */
function refuseUntilRoom(): void {
  if (closing) return;
  const fault = guard.check();
  if (fault === undefined) {
    if (refusing === undefined) return;
    refusing = undefined;
    return send({ type: 'resumed' });
  }
  if (refusing === undefined) {
    refusing = fault;
    send({ type: 'refusing', reason: fault, since: Date.now() });
  }
  setTimeout(refuseUntilRoom, FAULT_RETRY_MAX_MS).unref();
}

function startPass(): void {
  if (closing) return;
  retention.begin(Date.now());
  setImmediate(runPass);
}

/** One delete transaction per turn, so batches that arrived meanwhile are written between two. */
function runPass(): void {
  if (closing || !retention.running) return;
  if (retentionStep()) setImmediate(runPass);
}

function retentionStep(): boolean {
  const started = performance.now();
  const more = retention.step(Date.now());
  const ended = performance.now();
  nextStepAt = ended + (ended - started) * STEP_SPACING;
  afterCommit();
  if (more) return true;
  report();
  nextPassAt = Date.now() + data.retentionIntervalMs;
  clearTimeout(nextPass);
  nextPass = setTimeout(startPass, data.retentionIntervalMs);
  return false;
}

/** A checkpoint that fails (a full disk) must not fail the batch that just committed; it is retried after the next commit. */
function afterCommit(): void {
  try {
    catchUp.afterCommit();
    lastCheckpointFailure = '';
  } catch (err) {
    const message = (err as Error).message;
    if (message !== lastCheckpointFailure) send({ type: 'warning', message: `WAL checkpoint failed: ${message}` });
    lastCheckpointFailure = message;
  }
}

/** Sends size and room; a database over its cap between two passes starts one now. */
function report(): void {
  lastReport = performance.now();
  const database_bytes = retention.databaseBytes();
  send({
    type: 'stats',
    stats: {
      database_bytes,
      free_pages: retention.freePages(),
      page_size: pageSize(),
      wal_bytes: wal.bytes(),
      free_disk_bytes: guard.freeDiskBytes(),
      retention: retention.stats(),
    },
  });
  const cap = data.retention.maxDbBytes;
  if (cap > 0 && database_bytes > cap && !retention.running && !closing) {
    clearTimeout(nextPass);
    startPass();
  }
}

function pageSize(): number {
  return db.pragma('page_size', { simple: true }) as number;
}
