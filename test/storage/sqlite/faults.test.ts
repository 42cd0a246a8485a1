import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskGuard } from '../../../src/storage/sqlite/disk-guard.js';
import { isBusy, storageFault } from '../../../src/storage/sqlite/faults.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('whose fault a write failure is', () => {
  it.each([
    ['SQLITE_FULL', 'database or disk is full', /^the disk is full/],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', /^the database had an I\/O error/],
    ['SQLITE_READONLY', 'attempt to write a readonly database', /^the database is not writable/],
    ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database', /^the database is not writable/],
    ['SQLITE_CANTOPEN', 'unable to open database file', /^the database is not writable/],
  ])('%s is the storage: the batch is kept and retried', (code, message, reason) => {
    expect(storageFault(sqliteError(code, message))).toMatch(reason);
    expect(isBusy(sqliteError(code, message))).toBe(false);
  });

  it.each([
    ['SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: kind'],
    ['SQLITE_CONSTRAINT_NOTNULL', 'NOT NULL constraint failed: traces.start_time'],
    ['SQLITE_MISMATCH', 'datatype mismatch'],
    ['SQLITE_TOOBIG', 'string or blob too big'],
  ])('%s is the row: only that row is refused', (code, message) => {
    expect(storageFault(sqliteError(code, message))).toBeUndefined();
  });

  it('a lock held elsewhere is neither: it is waited out', () => {
    expect(isBusy(sqliteError('SQLITE_BUSY', 'database is locked'))).toBe(true);
    expect(storageFault(sqliteError('SQLITE_BUSY', 'database is locked'))).toBeUndefined();
  });
});

describe('a "disk is full" with room left', () => {
  const reason = 'the disk is full (database or disk is full)';

  it('names what else refuses writes when the file system has room', () => {
    // The test's own temp folder has far more than a batch free.
    const guard = new DiskGuard(path.join(os.tmpdir(), 'oct.db'), 0, () => 0);
    expect(guard.diskFullReason(reason)).toMatch(
      /^a write was refused as if the disk were full, yet [\d.]+ MiB are free: .*permissions, an immutable attribute, a disk quota\) \(the disk is full/,
    );
  });
});
