// SIGTERM under load, many times on one file: nothing acknowledged may be lost, the stop must not
// keep accepting (README: shutdown "stops accepting"), and no request already sent may be reset.
import path from 'node:path';
import { checkStored, percentile, runLoad, testbedTemplates } from '../load.js';
import { signalAndWait, sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';

export const name = 'sigterm';
// A request sent this soon after the signal may already have been read when oct saw it.
const GRACE_MS = 100;
const STOP_BOUND_MS = 2_000;

export async function run({ quick, log }) {
  const trials = quick ? 3 : 20;
  const dbPath = path.join(tempDir(name), 'oct.db');
  const templates = testbedTemplates();
  const acked = new Map();
  const stopMs = [];
  let ackedAfter = 0;
  let resetInFlight = 0;
  for (let t = 0; t < trials; t++) {
    const oct = await startOct(dbPath);
    const load = runLoad(oct.url, templates, { conns: 8 });
    await sleep(1_000 + Math.random() * 1_000);
    const signalledAt = performance.now();
    stopMs.push(await signalAndWait(oct.pid, 'SIGTERM'));
    await load.stop();
    for (const [c, n] of load.acked) acked.set(c, n);
    for (const r of load.requests) {
      if (r.status === 200 && r.sentAt > signalledAt + GRACE_MS) ackedAfter++;
      if (r.error && r.writtenAt !== null && r.writtenAt < signalledAt) resetInFlight++;
    }
    log(`trial ${t + 1}/${trials}: stop ${Math.round(stopMs.at(-1))} ms, ${load.acked.size} requests acknowledged`);
  }
  const { acknowledged, lost } = checkStored(dbPath, acked);
  const median = Math.round(percentile(stopMs, 50));
  const max = Math.round(Math.max(...stopMs));
  return [
    row(
      name,
      `${trials} × SIGTERM under load: ${lost} of ${acknowledged.toLocaleString('en')} acknowledged spans lost`,
      'lost 0',
      lost === 0,
    ),
    row(name, `stop (signal → exit) median ${median} ms, max ${max} ms`, `max < ${STOP_BOUND_MS} ms`, max < STOP_BOUND_MS),
    row(name, `${ackedAfter} requests sent > ${GRACE_MS} ms after the signal answered 200`, '0 (new requests get 503)', ackedAfter === 0),
    row(name, `${resetInFlight} requests reset after being fully sent before the signal`, '0', resetInFlight === 0),
  ];
}
