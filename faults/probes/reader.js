// A dashboard's read transaction left open for 60 s in another process, at a steady 2,000 spans/s:
// SQLite cannot restart a WAL a reader pins, so the figure is how far the WAL grows, whether oct
// warns, and whether the disk guard steps in, against what README claims.
import path from 'node:path';
import { walBytes } from '../../bench/oct-process.js';
import { checkStored, runLoad, testbedTemplates } from '../load.js';
import { hold, sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';

export const name = 'reader';
const SPANS_PER_S = 2_000;

export async function run({ quick, readme }) {
  const holdMs = quick ? 5_000 : 60_000;
  const dbPath = path.join(tempDir(name), 'oct.db');
  const oct = await startOct(dbPath);
  const load = runLoad(oct.url, testbedTemplates(), { conns: 4, rps: SPANS_PER_S / 100 });
  await sleep(2_000);
  const { released } = await hold(dbPath, 'read', holdMs);
  let peak = 0;
  let guardOn = false;
  let done = false;
  void released.then(() => (done = true));
  while (!done) {
    peak = Math.max(peak, walBytes(dbPath));
    if ((await oct.health()).storage?.writable === false) guardOn = true;
    await sleep(250);
  }
  await sleep(3_000);
  const afterRelease = walBytes(dbPath);
  const metrics = await fetch(`${oct.url}/metrics`);
  const metricsText = metrics.ok ? await metrics.text() : '';
  await load.stop();
  const warnings = oct
    .log()
    .split('\n')
    .filter((l) => /WARN/.test(l) && /WAL|read transaction|checkpoint/i.test(l));
  await oct.stop();
  const { lost } = checkStored(dbPath, load.acked);
  const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  // README's claim is the bound: a WAL size when it promises one, else the warning it promises.
  const claim = readme.match(/WAL file stays below about (\d+) MiB/);
  const bound = claim ? `WAL < ${claim[1]} MiB (README)` : 'a warning naming the open read transaction (README)';
  const pass = (claim ? peak < Number(claim[1]) * 2 ** 20 : warnings.length > 0) && lost === 0;
  return [
    row(
      name,
      `read transaction held ${holdMs / 1000} s at ${SPANS_PER_S.toLocaleString('en')} spans/s: WAL peak ${mib(peak)}, ${mib(afterRelease)} 3 s after release; warning logged: ${warnings.length ? 'yes' : 'no'}; disk guard on: ${guardOn ? 'yes' : 'no'}; /metrics ${metrics.status}${/wal/i.test(metricsText) ? ' (WAL figures)' : ''}; ${lost} acknowledged lost`,
      bound,
      pass,
    ),
  ];
}
