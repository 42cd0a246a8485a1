import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOct, waitFor } from '../helpers.js';
import { health, load, missing, mountTmpfs } from './fixture.js';

// A real full disk: a 40 MiB tmpfs of the test's own, filled by oct itself through OTLP load.
const mounted = mountTmpfs(40);
if ('skip' in mounted) console.warn(`skipping the full-disk tests: ${mounted.skip}`);
const fsDir = 'dir' in mounted ? mounted.dir : '';
afterAll(() => {
  if ('unmount' in mounted) mounted.unmount();
});

/** Fills the rest of the file system but `keepMb`, so the test controls when the disk is full. */
function ballast(dir: string, mb: number): string {
  const file = path.join(dir, 'ballast');
  fs.writeFileSync(file, Buffer.alloc(mb * 1024 * 1024, 1));
  return file;
}

describe.skipIf(fsDir === '')('the disk guard, on a real 40 MiB file system', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(fsDir, 'case-'));
  });
  const fresh = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    return dir;
  };

  it('refuses with 503 while the disk is full, loses nothing acknowledged, and resumes by itself once space is freed', async () => {
    const folder = fresh();
    const filler = ballast(folder, 16);
    // 0: no free-space margin, so the writes themselves hit SQLITE_FULL.
    const { url, db } = await startOct({ dbPath: path.join(folder, 'oct.db'), minFreeDiskMb: 0 });
    const traffic = load(url);
    await waitFor(() => traffic.refusals.length > 0, 20_000, 'a 503 from the full disk');
    const refusing = await health(url);
    expect(refusing.status).toBe('refusing_writes');
    expect(refusing.storage).toMatchObject({ writable: false, reason: expect.stringMatching(/disk is full/) as unknown });
    expect(traffic.refusals[0]).toMatch(/disk is full.*retry later/);
    // Still refusing a second later: it does not resume while nothing changed, and it did not crash.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await health(url)).storage.writable).toBe(false);

    fs.rmSync(filler);
    await waitFor(async () => (await health(url)).storage.writable, 15_000, 'writes to resume');
    const before = traffic.acknowledged.size;
    await waitFor(() => traffic.acknowledged.size > before + 100, 15_000, 'requests to be acknowledged again');
    await traffic.stop();

    await waitFor(async () => (await health(url)).pipeline.pending === 0, 15_000, 'the queue to drain');
    const h = await health(url);
    expect(h.pipeline.failed).toBe(0);
    await waitFor(() => missing(traffic, db).length === 0, 10_000, 'every acknowledged span in the database');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 90_000);

  it('refuses while the room for the database is below OCT_MIN_FREE_DISK_MB and resumes when there is room again', async () => {
    const folder = fresh();
    const filler = ballast(folder, 12);
    const { url, db } = await startOct({ dbPath: path.join(folder, 'oct.db'), minFreeDiskMb: 20 });
    const traffic = load(url);
    await waitFor(() => traffic.refusals.length > 0, 20_000, 'a 503 from the free-space check');
    expect(traffic.refusals[0]).toMatch(/the disk is full: [\d.]+ MiB free for the database, below OCT_MIN_FREE_DISK_MB \(20\.0 MiB\)/);
    expect((await health(url)).storage.writable).toBe(false);
    fs.rmSync(filler);
    await waitFor(async () => (await health(url)).storage.writable, 15_000, 'writes to resume');
    await traffic.stop();
    await waitFor(async () => (await health(url)).pipeline.pending === 0, 15_000, 'the queue to drain');
    await waitFor(() => missing(traffic, db).length === 0, 10_000, 'every acknowledged span in the database');
  }, 90_000);

  it('refuses to start on a database it cannot write, naming OCT_DB_PATH', async () => {
    const folder = fresh();
    const dbPath = path.join(folder, 'oct.db');
    const first = await startOct({ dbPath });
    await first.runtime.shutdown();
    first.db.close();
    execFileSync('chattr', ['+i', dbPath]);
    try {
      const { Runtime } = await import('../../dist/runtime.js');
      const { defaultConfig } = await import('../../src/config/config.js');
      const runtime = new Runtime({ ...defaultConfig(), port: 0, dbPath, logLevel: 'silent' });
      await expect(runtime.start()).rejects.toThrow(/^OCT_DB_PATH: cannot open or write .*oct\.db: /);
      await runtime.shutdown();
    } finally {
      execFileSync('chattr', ['-i', dbPath]);
    }
  });
});
