import fs from 'node:fs';
import path from 'node:path';

const UNLIKELY_FULL_BYTES = 8 * 1_048_576;

const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/**
 * The free-space half of the disk guard, on the writer thread before each batch: room is what the
 * file system holding the database has free plus the database's own free pages, which SQLite fills
 * first, so rows that retention deleted count as room even though the file keeps its size.
 */
export class DiskGuard {
  readonly #folder: string;
  readonly #minFreeBytes: number;
  readonly #freePageBytes: () => number;

  constructor(dbPath: string, minFreeBytes: number, freePageBytes: () => number) {
    this.#folder = path.dirname(path.resolve(dbPath));
    this.#minFreeBytes = minFreeBytes;
    this.#freePageBytes = freePageBytes;
  }

  /** Bytes free for the file system's unprivileged users. */
  freeDiskBytes(): number {
    const s = fs.statfsSync(this.#folder);
    return s.bavail * s.bsize;
  }

  /**
   * SQLite reports any refused write as a full disk; with room left the disk is not what refused,
   * and an operator told "disk full" would look in the wrong place.
   */
  diskFullReason(reason: string): string {
    const free = this.freeDiskBytes();
    if (free < UNLIKELY_FULL_BYTES) return reason;
    return `a write was refused as if the disk were full, yet ${mib(free)} MiB are free: the batch needed more than that, or the database file, its WAL or its folder does not take writes (permissions, an immutable attribute, a disk quota) (${reason})`;
  }

  /** Why writes must wait, or undefined when there is room. */
  check(): string | undefined {
    if (this.#minFreeBytes === 0) return undefined;
    const room = this.freeDiskBytes() + this.#freePageBytes();
    if (room >= this.#minFreeBytes) return undefined;
    return `the disk is full: ${mib(room)} MiB free for the database, below OCT_MIN_FREE_DISK_MB (${mib(this.#minFreeBytes)} MiB)`;
  }
}
