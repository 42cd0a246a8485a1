// Another program holds SQLite's write lock: oct must wait for it (README: "a busy database is
// waited for"), refuse with 503 once its queue is full, and lose nothing it acknowledged.
import path from 'node:path';
import { waitDrained } from '../../bench/oct-process.js';
import { checkStored, runLoad, testbedTemplates } from '../load.js';
import { hold, sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';

export const name = 'writer-lock';

export async function run({ quick }) {
  const holdMs = quick ? 3_000 : 10_000;
  const dbPath = path.join(tempDir(name), 'oct.db');
  const oct = await startOct(dbPath);
  const load = runLoad(oct.url, testbedTemplates(), { conns: 4, retryMs: 50 });
  await sleep(1_000);
  const { heldAt, released } = await hold(dbPath, 'write', holdMs);
  await released;
  const releasedAt = performance.now();
  await sleep(2_000);
  await load.stop();
  const { health } = await waitDrained(oct);
  await oct.stop();
  const during = load.requests.filter((r) => r.sentAt >= heldAt && r.sentAt < releasedAt);
  const refused = during.filter((r) => r.status === 503).length;
  const other = during.filter((r) => r.status !== 503 && r.status !== 200).length;
  const { acknowledged, lost } = checkStored(dbPath, load.acked);
  return [
    row(
      name,
      `write lock held ${holdMs / 1000} s: ${refused} of ${during.length} requests in that time got 503, ${other} other errors; ${lost} of ${acknowledged.toLocaleString('en')} acknowledged spans lost, ${health.pipeline.failed} rows failed`,
      '503s seen, lost 0',
      refused > 0 && other === 0 && lost === 0 && health.pipeline.failed === 0,
    ),
  ];
}
