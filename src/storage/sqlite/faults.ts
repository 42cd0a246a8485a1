/**
 * Which SQLite failures are whose fault. A constraint or a bad value is one row's fault: that row
 * is refused and the others are stored. A full disk, a file or folder oct may not write, or an I/O
 * error is the storage's fault: no row is to blame, so the batch is kept and retried, never dropped.
 */

function code(err: unknown): string {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : '';
}

/** Another connection holds the lock: wait and retry. */
export function isBusy(err: unknown): boolean {
  const c = code(err);
  return c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED');
}

/** SQLite says the disk is full; it says so too for a write the file system refused for another reason (a quota, an immutable file). */
export function isDiskFull(err: unknown): boolean {
  const c = code(err);
  return c === 'SQLITE_FULL' || c === 'ENOSPC' || /\bENOSPC\b|disk is full/i.test((err as Error).message);
}

/** Why the storage cannot take writes right now, or undefined when `err` is not such a failure. */
export function storageFault(err: unknown): string | undefined {
  const c = code(err);
  const message = (err as Error).message;
  if (isDiskFull(err)) return `the disk is full (${message})`;
  if (
    c.startsWith('SQLITE_READONLY') ||
    c.startsWith('SQLITE_CANTOPEN') ||
    c === 'SQLITE_PERM' ||
    c === 'EROFS' ||
    c === 'EACCES' ||
    c === 'EPERM'
  )
    return `the database is not writable (${message})`;
  if (c.startsWith('SQLITE_IOERR') || c === 'EIO') return `the database had an I/O error (${message})`;
  return undefined;
}

/** Thrown when the storage refuses writes; the batch was not written. */
export class StorageFaultError extends Error {
  override name = 'StorageFaultError';
  readonly diskFull: boolean;

  constructor(message: string, diskFull: boolean) {
    super(message);
    this.diskFull = diskFull;
  }
}
