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
 * The two cells the writer thread and the checkpointer thread share (the main thread only uses the
 * writer's `abort` cell, writer-worker.ts). The checkpointer reads `checkpointing` before each pass
 * and writes `catch-up` after it; the writer reads and writes both after each commit.
 *
 *   catch-up  checkpointing
 *      0            0        Checkpointer passes every 100 ms (back to back past `restartFrames`). A pass
 *                            that copied all of a WAL past `restartFrames` and found ≤ `catchUpFrames` new
 *                            frames sets catch-up = 1.
 *      1            0        After its next commit the writer sets checkpointing = 1 and checkpoints.
 *     any           0        The same after a commit that leaves the WAL file ≥ `maxFrames`.
 *     any           1        The checkpointer skips its passes. Writer done: 0 / 0, and the next transaction
 *                            restarts the WAL. Busy (a pass that started before checkpointing = 1 is still
 *                            running): past `maxFrames` the writer retries every 2 ms; below it, it sets
 *                            checkpointing = 0 and retries after its next commit, so an idle oct keeps
 *                            checkpointing.
 */
export class WalProgress {
  readonly #cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }

  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  get writerCatchUp(): boolean {
    return Atomics.load(this.#cells, 0) === 1;
  }

  set writerCatchUp(on: boolean) {
    Atomics.store(this.#cells, 0, on ? 1 : 0);
  }

  get writerCheckpointing(): boolean {
    return Atomics.load(this.#cells, 1) === 1;
  }

  set writerCheckpointing(on: boolean) {
    Atomics.store(this.#cells, 1, on ? 1 : 0);
  }
}

/** One row of `PRAGMA wal_checkpoint(...)`: frames in the WAL (-1 while another connection checkpoints), and frames copied. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}
