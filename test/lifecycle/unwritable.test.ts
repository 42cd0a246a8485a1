import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startOct, waitFor } from '../helpers.js';
import { health, load, missing, mountExt4 } from './fixture.js';

// A database that stops taking writes while oct runs: an ext4 file system of the test's own, whose
// database file and WAL are made immutable under load (root included, writes then fail with EIO).
const mounted = mountExt4(64);
if ('skip' in mounted) console.warn(`skipping the unwritable-database test: ${mounted.skip}`);
const fsDir = 'dir' in mounted ? mounted.dir : '';
afterAll(() => {
  if ('unmount' in mounted) mounted.unmount();
});

describe.skipIf(fsDir === '')('a database that turns unwritable at run time', () => {
  it('refuses while the database turns unwritable at run time, keeps what it acknowledged, and resumes when it is writable again', async () => {
    const dbPath = path.join(fsDir, 'oct.db');
    const { url, db } = await startOct({ dbPath, minFreeDiskMb: 0 });
    // Paced, so the file system does not fill up: the disk is not what refuses here.
    const traffic = load(url, 50);
    onTestFinished(() => traffic.stop());
    await waitFor(() => traffic.acknowledged.size > 200, 15_000, 'the first acknowledged spans');
    // Immutable, even for root: every write to the file and its WAL now fails with an I/O error.
    // The shared-memory index stays writable (it is mapped; an immutable mapping faults the process).
    const files = [dbPath, `${dbPath}-wal`];
    execFileSync('chattr', ['+i', ...files]);
    try {
      await waitFor(() => traffic.refusals.length > 0, 20_000, 'a 503 from the unwritable database');
      const refusing = await health(url);
      expect(refusing.status).toBe('refusing_writes');
      expect(refusing.storage.reason).toMatch(/I\/O error|not writable/);
      expect(traffic.refusals[0]).toMatch(/retry later/);
    } finally {
      execFileSync('chattr', ['-i', ...files]);
    }
    await waitFor(async () => (await health(url)).storage.writable, 15_000, 'writes to resume');
    const before = traffic.acknowledged.size;
    await waitFor(() => traffic.acknowledged.size > before + 100, 15_000, 'requests to be acknowledged again');
    await traffic.stop();
    await waitFor(async () => (await health(url)).pipeline.pending === 0, 15_000, 'the queue to drain');
    expect((await health(url)).pipeline.failed).toBe(0);
    await waitFor(() => missing(traffic, db).length === 0, 10_000, 'every acknowledged span in the database');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 90_000);
});
