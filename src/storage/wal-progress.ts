/**
 * How far the WAL has been checkpointed, shared between the checkpointer thread (which publishes
 * the result of each pass) and the writer thread (which reads it after each commit to decide when
 * to finish the last stretch itself, so that its next transaction restarts the WAL from the start).
 * The figures are hints that may be up to one pass old; SQLite itself keeps the WAL consistent.
 */
export class WalProgress {
  readonly #cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Records a `PRAGMA wal_checkpoint` result: frames in the WAL and frames copied back. */
  publish(logFrames: number, checkpointedFrames: number): void {
    Atomics.store(this.#cells, 0, logFrames);
    Atomics.store(this.#cells, 1, checkpointedFrames);
  }

  get logFrames(): number {
    return Atomics.load(this.#cells, 0);
  }

  get checkpointedFrames(): number {
    return Atomics.load(this.#cells, 1);
  }
}

/** One row of `PRAGMA wal_checkpoint(...)`. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}
