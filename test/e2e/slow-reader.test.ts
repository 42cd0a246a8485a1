import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { count, startOct, tempDir, waitFor } from '../helpers.js';
import { post } from '../receiver/native/native-fixture.js';

/**
 * A dashboard's slow query, in its own process as Grafana's would be: one read transaction held
 * over oct's database until `stop()`. Resolves once the transaction has begun; `stop()` resolves
 * to the row count the transaction saw last.
 */
function slowReader(dbPath: string): Promise<{ stop: () => Promise<number> }> {
  const stopFile = path.join(tempDir(), 'stop');
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { readonly: true });
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM traces').get();
    process.stdout.write('started\\n');
    let rows = 0;
    while (!require('node:fs').existsSync(process.argv[2])) rows = db.prepare('SELECT count(*) AS n FROM traces').get().n;
    db.exec('COMMIT');
    process.stdout.write(String(rows));`;
  const child = spawn(process.execPath, ['-e', script, dbPath, stopFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let out = '';
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out === 'started\n') {
        resolve({
          stop: async () => {
            fs.writeFileSync(stopFile, '');
            await exited;
            return Number(out.slice('started\n'.length));
          },
        });
      }
    });
  });
}

describe('a slow reader beside ingest', () => {
  it('delays no write: every post is admitted at once and stored while a read transaction stays open', async () => {
    const oct = await startOct();
    await post(oct.url, '/api/v1/traces', [{ model: 'warm-up' }]);
    await waitFor(() => count(oct.db, 'traces') === 1, 5_000, 'the first row');

    const reader = await slowReader(oct.dbPath);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const items = Array.from({ length: 50 }, (_, j) => ({ model: 'gpt-4o', input: `q ${i}.${j}`, input_tokens: 5, output_tokens: 1 }));
      statuses.push((await post(oct.url, '/api/v1/traces', items)).status);
    }
    // Rows become visible to new readers while the old snapshot is still open.
    await waitFor(() => count(oct.db, 'traces') === 2_001, 10_000, 'every posted row');
    const stats = await fetch(`${oct.url}/api/v1/stats?bucket=hour`);
    const readerRows = await reader.stop();

    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    expect(stats.status).toBe(200);
    // The reader's snapshot stayed open, seeing only the row before it, through every write.
    expect(readerRows).toBe(1);
    expect(oct.runtime.health().pipeline).toMatchObject({ persisted: 2_001, failed: 0 });
  });
});
