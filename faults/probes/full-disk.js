// A real full disk: a 40 MiB tmpfs of the probe's own, filled by oct itself through OTLP load.
// oct must refuse with 503 (never crash, never 5xx otherwise), lose nothing it acknowledged, leave
// a sound file, and resume by itself once space is freed. Needs root to mount; skipped otherwise.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitDrained } from '../../bench/oct-process.js';
import { checkStored, runLoad, testbedTemplates } from '../load.js';
import { alive, integrityCheck, sleep, startOct, tempDir } from '../oct.js';
import { row, skip } from '../report.js';

export const name = 'full-disk';
const SIZE_MB = 40;
const BALLAST_MB = 16;

async function until(check, timeoutMs, what) {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return performance.now() - t0;
}

export async function run() {
  const dir = tempDir(name);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return [skip(name, `cannot mount a tmpfs here (needs root): ${err.message.split('\n')[0]}`)];
  }
  try {
    const ballast = path.join(dir, 'ballast');
    fs.writeFileSync(ballast, Buffer.alloc(BALLAST_MB * 1024 * 1024, 1));
    const dbPath = path.join(dir, 'oct.db');
    // No free-space margin: the writes themselves must hit SQLITE_FULL.
    const oct = await startOct(dbPath, { OCT_MIN_FREE_DISK_MB: '0' });
    const load = runLoad(oct.url, testbedTemplates(), { conns: 4, retryMs: 50 });
    let refusing;
    const refusedAfter = await until(
      async () => (refusing = await oct.health()).status === 'refusing_writes',
      30_000,
      'the disk guard to refuse writes',
    );
    await sleep(1_000);
    const stillAlive = alive(oct.pid);
    fs.rmSync(ballast);
    const resumedAfter = await until(async () => (await oct.health()).storage.writable, 30_000, 'writes to resume');
    const acksAtResume = load.acked.size;
    await until(() => load.acked.size > acksAtResume + 10, 30_000, 'requests acknowledged again');
    await load.stop();
    const { health } = await waitDrained(oct, 60_000);
    const errorLines = oct
      .log()
      .split('\n')
      .filter((l) => l.includes('ERROR')).length;
    await oct.stop();
    const { acknowledged, lost } = checkStored(dbPath, load.acked);
    const integrity = integrityCheck(dbPath);
    const unexpected = Object.keys(load.statuses).filter((s) => s !== '200' && s !== '503');
    return [
      row(
        name,
        `${SIZE_MB} MiB tmpfs: disk guard on after ${(refusedAfter / 1000).toFixed(1)} s (healthz "${refusing.status}": ${refusing.storage?.reason ?? 'no reason'}); answers ${Object.entries(
          load.statuses,
        )
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}; oct ${stillAlive ? 'running' : 'crashed'}; ${errorLines} ERROR log lines`,
        'no crash, 503s only',
        stillAlive && unexpected.length === 0 && refusing.status === 'refusing_writes',
      ),
      row(
        name,
        `${lost} of ${acknowledged.toLocaleString('en')} acknowledged spans lost, ${health.pipeline.failed} failed; integrity_check ${integrity}; resumed ${(resumedAfter / 1000).toFixed(1)} s after space was freed`,
        'lost 0, ok, resumes',
        lost === 0 && health.pipeline.failed === 0 && integrity === 'ok',
      ),
    ];
  } finally {
    execFileSync('umount', ['-l', dir]);
    fs.rmdirSync(dir);
  }
}
