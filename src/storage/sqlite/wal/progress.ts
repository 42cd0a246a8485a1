/**
 * WAL sizes in 4 KiB frames. Past `restartFrames` the checkpointer runs its passes back to back,
 * each copying what was committed during the previous one, until a pass finds at most
 * `catchUpFrames` new frames; then it pauses and the writer copies that remainder itself between
 * two transactions (a few ms). Only a fully checkpointed WAL lets the next transaction start it
 * over, and a checkpoint on another thread never catches up while commits keep coming. Past
 * `maxFrames` the writer copies the rest whatever its size, which bounds the WAL.
 */
export interface WalLimits {
  restartFrames: number;
  catchUpFrames: number;
  maxFrames: number;
}

/** 64 MiB, 4 MiB, 512 MiB. */
export const DEFAULT_WAL_LIMITS: WalLimits = { restartFrames: 16_384, catchUpFrames: 1_024, maxFrames: 131_072 };

/**
 * What the checkpointer thread knows about the WAL, shared with the writer thread, which reads it
 * after each commit. The figures may be one pass old; SQLite itself keeps the WAL consistent.
 */
export class WalProgress {
  readonly #cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Frames in the WAL at the last pass, and whether the writer should copy the remainder now. */
  publish(logFrames: number, writerCatchUp: boolean): void {
    Atomics.store(this.#cells, 0, logFrames);
    Atomics.store(this.#cells, 1, writerCatchUp ? 1 : 0);
  }

  get logFrames(): number {
    return Atomics.load(this.#cells, 0);
  }

  get writerCatchUp(): boolean {
    return Atomics.load(this.#cells, 1) === 1;
  }

  /** Set by the writer while it needs to checkpoint itself: the checkpointer starts no pass then. */
  set writerCheckpointing(on: boolean) {
    Atomics.store(this.#cells, 2, on ? 1 : 0);
  }

  get writerCheckpointing(): boolean {
    return Atomics.load(this.#cells, 2) === 1;
  }
}

/** One row of `PRAGMA wal_checkpoint(...)`: frames in the WAL when it began, and frames copied. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}
