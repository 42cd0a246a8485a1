// Overload with real SDK exporters: 8 OTLP/protobuf exporters offer twice what oct can take,
// first as a 5 s burst then idle, then sustained. Delivered = rows stored ÷ spans the app ended
// (spans the SDK dropped from its own full queue count as not delivered, as they are for a user).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { countRows, track, waitDrained } from '../../bench/oct-process.js';
import { BURST_DELIVERY_TARGET } from '../bounds.js';
import { runLoad, testbedTemplates } from '../load.js';
import { sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';

export const name = 'sdk-overload';
const EXPORTERS = 8;

function exporters(url, rate, secs) {
  const script = new URL('../sdk-exporters.js', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    track(
      execFile(
        process.execPath,
        [script, JSON.stringify({ url, exporters: EXPORTERS, rate, secs })],
        { maxBuffer: 1 << 20 },
        (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').at(-1)))),
      ),
    );
  });
}

/** Spans/s oct acknowledges from 8 closed-loop senders of 100-span requests, over `secs`. */
async function throughput(secs) {
  const oct = await startOct(path.join(tempDir(name), 'oct.db'));
  const load = runLoad(oct.url, testbedTemplates(), { conns: EXPORTERS });
  await sleep(1_000);
  const before = load.ackedSpans();
  await sleep(secs * 1_000);
  const rate = (load.ackedSpans() - before) / secs;
  await load.stop();
  await oct.stop();
  return rate;
}

async function delivery(rate, secs) {
  const dbPath = path.join(tempDir(name), 'oct.db');
  const oct = await startOct(dbPath);
  const sent = await exporters(oct.url, rate, secs);
  await waitDrained(oct);
  const stored = countRows(dbPath);
  await oct.stop();
  return { ...sent, stored, delivered: stored / sent.ended };
}

export async function run({ quick, log }) {
  const capacity = await throughput(quick ? 3 : 5);
  const rate = Math.round(2 * capacity);
  log(`oct takes ${Math.round(capacity)} spans/s from ${EXPORTERS} closed-loop senders; offering ${rate}`);
  const pct = (x) => `${(100 * x).toFixed(1)} %`;
  const describe = (what, d) =>
    `${what}: ${d.stored.toLocaleString('en')} of ${d.ended.toLocaleString('en')} spans delivered = ${pct(d.delivered)} (offered ${Math.round(d.ended / d.secs).toLocaleString('en')}/s for ${d.secs.toFixed(0)} s; ${d.failedExports} exports failed)`;
  const burst = await delivery(rate, 5);
  const rows = [
    row(
      name,
      describe(`${EXPORTERS} SDK exporters, burst of 2 × ${Math.round(capacity).toLocaleString('en')} spans/s`, burst),
      `≥ ${pct(BURST_DELIVERY_TARGET)}`,
      burst.delivered >= BURST_DELIVERY_TARGET,
    ),
  ];
  if (!quick) rows.push(row(name, describe('sustained 2× for 30 s', await delivery(rate, 30)), 'report', null));
  return rows;
}
