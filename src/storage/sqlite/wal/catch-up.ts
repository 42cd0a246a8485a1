import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { CheckpointResult, WalLimits, WalProgress } from './progress.js';

export interface WalFile {
  bytes(): number;
  /** One PASSIVE checkpoint; false when another connection was checkpointing (busy). */
  checkpoint(): boolean;
}

export function walFile(db: Database.Database, dbPath: string): WalFile {
  const walPath = `${dbPath}-wal`;
  return {
    bytes: () => fs.statSync(walPath, { throwIfNoEntry: false })?.size ?? 0,
    checkpoint: () => {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      return result !== undefined && result.log >= 0;
    },
  };
}

/** The WAL file size at `maxFrames` (a frame is a page plus a 24-byte header). */
export function walMaxBytes(db: Database.Database, limits: WalLimits): number {
  return limits.maxFrames * ((db.pragma('page_size', { simple: true }) as number) + 24);
}

/**
 * The writer thread's part of checkpointing (the state table is in progress.ts). A bounded WAL is
 * worth a stall when the checkpointer cannot keep up, so past the limit it waits however long.
 */
export class WalCatchUp {
  readonly #file: WalFile;
  readonly #progress: WalProgress;
  readonly #maxBytes: number;

  constructor(file: WalFile, progress: WalProgress, maxBytes: number) {
    this.#file = file;
    this.#progress = progress;
    this.#maxBytes = maxBytes;
  }

  /** Runs between two transactions, so nothing is committed while it copies the remainder. */
  afterCommit(): void {
    const overLimit = this.#file.bytes() >= this.#maxBytes;
    if (!overLimit && !this.#progress.writerCatchUp) return;
    this.#progress.writerCheckpointing = true;
    // A checkpoint that throws (a full disk) must not leave the checkpointer paused for good.
    try {
      while (!this.#file.checkpoint()) {
        if (!overLimit) return;
        Atomics.wait(PAUSE, 0, 0, 2);
      }
      this.#progress.writerCatchUp = false;
    } finally {
      this.#progress.writerCheckpointing = false;
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Without the checkpointer thread the WAL would grow without bound: SQLite checkpoints on commit again. */
export function checkpointOnCommit(db: Database.Database): void {
  db.pragma('wal_autocheckpoint = 16384');
}
