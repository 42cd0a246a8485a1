// kill -9 under load, repeatedly on one file, in both acknowledgement modes. Queue mode may lose
// what was queued but not yet written (README: at most OCT_QUEUE_CAPACITY events plus a batch per
// crash); commit mode nothing. Each time the file must pass integrity_check and oct start on it.
import path from 'node:path';
import { checkStored, runLoad, testbedTemplates } from '../load.js';
import { integrityCheck, readmeDefault, signalAndWait, sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';

export const name = 'kill-9';

/**
 * `kills` × (start oct on `dbPath`, load it, kill -9 after 0.4–1.4 s, check the file). Returns the
 * acknowledged requests, the worst loss of one kill and every integrity_check answer that was not ok.
 */
export async function killLoop(dbPath, ack, kills, log) {
  const templates = testbedTemplates();
  const acked = new Map();
  let worstLoss = 0;
  let lostTotal = 0;
  const integrity = [];
  for (let k = 0; k < kills; k++) {
    const oct = await startOct(dbPath, { OCT_ACK: ack });
    const load = runLoad(oct.url, templates, { conns: 8 });
    await sleep(400 + Math.random() * 1_000);
    await signalAndWait(oct.pid, 'SIGKILL');
    await load.stop();
    const check = integrityCheck(dbPath);
    if (check !== 'ok') integrity.push(check);
    const { lost } = checkStored(dbPath, load.acked);
    worstLoss = Math.max(worstLoss, lost);
    lostTotal += lost;
    for (const [c, n] of load.acked) acked.set(c, n);
    if ((k + 1) % 10 === 0 || k + 1 === kills) log(`${ack}: kill ${k + 1}/${kills}, ${lostTotal} acknowledged spans lost so far`);
  }
  // The last kill's file must open too: oct starts, answers, and stops cleanly on it.
  const oct = await startOct(dbPath, { OCT_ACK: ack });
  const restarted = (await oct.health()).status === 'ok';
  await oct.stop();
  return { acked, worstLoss, integrity, restarted };
}

export async function run({ quick, readme, log }) {
  const kills = quick ? 2 : 10;
  const capacity = Number(readmeDefault(readme, 'OCT_QUEUE_CAPACITY'));
  const batch = Number(readmeDefault(readme, 'OCT_BATCH_MAX_ROWS'));
  const rows = [];
  for (const ack of ['queue', 'commit']) {
    const dbPath = path.join(tempDir(`${name}-${ack}`), 'oct.db');
    const { acked, worstLoss, integrity, restarted } = await killLoop(dbPath, ack, kills, log);
    const { acknowledged, lost } = checkStored(dbPath, acked);
    const bound = ack === 'queue' ? capacity + batch : 0;
    rows.push(
      row(
        name,
        `OCT_ACK=${ack}: ${kills} kills, ${lost} of ${acknowledged.toLocaleString('en')} acknowledged spans lost, at most ${worstLoss} in one kill`,
        ack === 'queue' ? `≤ ${bound} per kill (queue ${capacity} + batch ${batch})` : 'lost 0',
        worstLoss <= bound,
      ),
      row(
        name,
        `OCT_ACK=${ack}: integrity_check ${integrity.length ? integrity.join('; ') : 'ok'} after every kill; oct restarted on the file: ${restarted ? 'yes' : 'no'}`,
        'ok, restarts',
        integrity.length === 0 && restarted,
      ),
    );
  }
  return rows;
}
