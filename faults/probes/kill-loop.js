// Issue 11's longer loop: kill -9 N times (--kills, default 50) in commit mode on one file, then
// check every acknowledged span is stored exactly once.
import path from 'node:path';
import { checkStored } from '../load.js';
import { tempDir } from '../oct.js';
import { row } from '../report.js';
import { killLoop } from './kill.js';

export const name = 'kill-loop';

export async function run({ quick, kills, log }) {
  const n = quick ? Math.min(kills, 3) : kills;
  const dbPath = path.join(tempDir(name), 'oct.db');
  const { acked, integrity, restarted } = await killLoop(dbPath, 'commit', n, log);
  const { acknowledged, lost, duplicates } = checkStored(dbPath, acked);
  return [
    row(
      name,
      `OCT_ACK=commit, ${n} × kill -9: ${acknowledged.toLocaleString('en')} spans acknowledged, ${lost} missing, ${duplicates} stored twice; integrity_check ${integrity.length ? 'failed' : 'ok'} every time, restart ${restarted ? 'ok' : 'failed'}`,
      'each exactly once',
      lost === 0 && duplicates === 0 && integrity.length === 0 && restarted,
    ),
  ];
}
