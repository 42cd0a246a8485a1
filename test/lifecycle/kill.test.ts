import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { listening, startProcess } from './fixture.js';

/**
 * kill -9 under load, several times on the same file: with OCT_ACK=commit no acknowledged row may
 * be missing; with the default (queue) at most a queue and a batch per kill. Each run also proves
 * the file opens again (oct migrates and writes on start) and passes integrity_check.
 */
async function killUnderLoad(ack: 'queue' | 'commit', kills: number): Promise<{ acknowledged: string[]; missing: string[] }> {
  const dbPath = path.join(tempDir(), 'oct.db');
  const acknowledged: string[] = [];
  for (let k = 0; k < kills; k++) {
    const oct = startProcess({ OCT_PORT: '0', OCT_DB_PATH: dbPath, OCT_ACK: ack });
    const url = await listening(oct);
    let running = true;
    const client = async () => {
      while (running) {
        const items = Array.from({ length: 5 }, (_, i) => ({ model: 'gpt-4o', input: `kill ${k} item ${i}`, input_tokens: 3 }));
        try {
          const res = await fetch(`${url}/api/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(items),
          });
          if (res.status === 202) acknowledged.push(...((await res.json()) as { trace_ids: string[] }).trace_ids);
        } catch {
          // The connection died with the process: not acknowledged.
        }
      }
    };
    // 12 clients of 5 rows fill 50-row batches, so commit mode does not wait for the batch timer.
    const clients = Array.from({ length: 12 }, client);
    await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
    oct.child.kill('SIGKILL');
    await oct.exited;
    running = false;
    await Promise.all(clients);
  }
  const db = new Database(dbPath);
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  const stored = new Set(db.prepare('SELECT trace_id FROM traces').pluck().all() as string[]);
  db.close();
  return { acknowledged, missing: acknowledged.filter((id) => !stored.has(id)) };
}

describe('kill -9 under load', () => {
  it('OCT_ACK=commit loses no acknowledged row', async () => {
    const { acknowledged, missing } = await killUnderLoad('commit', 4);
    expect(acknowledged.length).toBeGreaterThan(200);
    expect(missing).toEqual([]);
  }, 60_000);

  it('OCT_ACK=queue loses at most a queue and a batch per kill', async () => {
    const kills = 2;
    const { acknowledged, missing } = await killUnderLoad('queue', kills);
    expect(acknowledged.length).toBeGreaterThan(200);
    expect(missing.length).toBeLessThanOrEqual(kills * (512 + 50));
  }, 60_000);
});
