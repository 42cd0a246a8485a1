import { describe, expect, it } from 'vitest';
import { listening, startProcess } from '../../lifecycle/fixture.js';
import { pgClient } from '../engines.js';
import { startOctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

const postTraces = (url: string, items: object[]) =>
  fetch(`${url}/api/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(items) });

async function stored(url: string): Promise<Set<string>> {
  const db = await pgClient(url);
  return new Set((await db.query<{ trace_id: string }>('SELECT trace_id FROM traces')).rows.map((r) => r.trace_id));
}

describe('OCT_ACK=commit on PostgreSQL', () => {
  it('loses no acknowledged row when oct is killed with -9 under load, several times', async () => {
    const url = await pgServer().createDatabase();
    const acknowledged: string[] = [];
    for (let k = 0; k < 3; k++) {
      const oct = startProcess({ OCT_PORT: '0', OCT_DATABASE_URL: url, OCT_ACK: 'commit' });
      const octUrl = await listening(oct);
      let running = true;
      const client = async () => {
        while (running) {
          const items = Array.from({ length: 5 }, (_, i) => ({ model: 'gpt-4o', input: `kill ${k} item ${i}`, input_tokens: 3 }));
          try {
            const res = await postTraces(octUrl, items);
            if (res.status === 202) acknowledged.push(...((await res.json()) as { trace_ids: string[] }).trace_ids);
          } catch {
            // The connection died with the process: not acknowledged.
          }
        }
      };
      // 12 clients of 5 rows fill 50-row batches, so answers do not wait for the batch timer.
      const clients = Array.from({ length: 12 }, client);
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 700));
      oct.child.kill('SIGKILL');
      await oct.exited;
      running = false;
      await Promise.all(clients);
    }
    expect(acknowledged.length).toBeGreaterThan(200);
    const rows = await stored(url);
    expect(acknowledged.filter((id) => !rows.has(id))).toEqual([]);
  }, 60_000);

  it('answers only once the rows are committed: not while PostgreSQL is down, at once when it is back', async () => {
    const server = pgServer();
    const url = await server.createDatabase();
    const oct = await startOctProcess(url, { OCT_ACK: 'commit', OCT_BATCH_TIMEOUT_MS: '20' });
    try {
      await server.stop();
      let answer: Response | undefined;
      const answered = postTraces(oct.url, [{ model: 'gpt-4o', input: 'while down' }]).then((res) => (answer = res));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(answer).toBeUndefined();
      expect((await oct.health()).storage.writable).toBe(false);
      await server.start();
      const res = await answered;
      expect(res.status).toBe(202);
      const [id] = ((await res.json()) as { trace_ids: string[] }).trace_ids;
      expect((await stored(url)).has(id)).toBe(true);
    } finally {
      await oct.stop();
    }
  }, 60_000);
});
