import type { CheckpointResult } from './progress.js';

/**
 * Passes in a row that copy nothing new, with frames left, before a WAL past its restart size is
 * called stalled: about a second at the checkpointer's pace, long past any one read query.
 */
export const STALLED_PASSES = 10;

/**
 * Whether checkpoints keep up, as the checkpointer thread sees it. SQLite can copy a WAL frame back
 * only once no reader's snapshot needs the older page, so a read transaction left open pins the
 * WAL: every later checkpoint stops at that reader's mark and the WAL grows until the reader ends.
 * SQLite does not say how old a snapshot is; how long checkpoints have stopped short is the closest
 * it can be known. Two shared cells, so the main thread reads them without asking: the count of
 * passes that could not copy the whole WAL (busy, or stopped short), and since when (epoch ms, 0
 * when the last pass copied everything) they have stopped short.
 */
export class WalStall {
  readonly #cells: BigInt64Array;
  #copied = -1;
  #stuckPasses = 0;
  #warned = false;

  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new BigInt64Array(buffer);
  }

  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
  }

  get incompleteCheckpoints(): number {
    return Number(Atomics.load(this.#cells, 0));
  }

  /** How long checkpoints have stopped short of the WAL's end; 0 while they copy all of it. */
  pinnedMs(now = Date.now()): number {
    const since = Number(Atomics.load(this.#cells, 1));
    return since === 0 ? 0 : Math.max(0, now - since);
  }

  /** Another connection was checkpointing at the same moment: nothing was copied by this pass. */
  busy(): void {
    Atomics.add(this.#cells, 0, 1n);
  }

  /**
   * Records one pass; `stalled` once when a WAL past `restartFrames` has stopped progressing,
   * `resumed` once when a pass copies all of it again.
   */
  observe(result: CheckpointResult, restartFrames: number, now = Date.now()): 'stalled' | 'resumed' | undefined {
    if (result.checkpointed >= result.log) {
      Atomics.store(this.#cells, 1, 0n);
      this.#copied = result.checkpointed;
      this.#stuckPasses = 0;
      if (!this.#warned) return undefined;
      this.#warned = false;
      return 'resumed';
    }
    Atomics.add(this.#cells, 0, 1n);
    if (Atomics.load(this.#cells, 1) === 0n) Atomics.store(this.#cells, 1, BigInt(now));
    this.#stuckPasses = result.checkpointed === this.#copied ? this.#stuckPasses + 1 : 0;
    this.#copied = result.checkpointed;
    if (this.#warned || result.log < restartFrames || this.#stuckPasses < STALLED_PASSES) return undefined;
    this.#warned = true;
    return 'stalled';
  }
}
