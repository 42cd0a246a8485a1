import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers.js';
import { logRecord, logsRequest, post } from '../logs-fixture.js';

// The built server in its own process (`npm test` builds first), so its RSS is oct's alone.
const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

const rssBytes = (pid: number) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** `n` content records whose spans never arrive, 500 per request, resent after a 503 as an SDK would. */
async function sendOrphans(url: string, first: number, n: number) {
  const padding = 'x'.repeat(1000);
  for (let start = first; start < first + n;) {
    const size = Math.min(500, first + n - start);
    const records = Array.from({ length: size }, (_, i) =>
      logRecord({
        event: 'gen_ai.user.message',
        body: { content: `orphan ${start + i} ${padding}` },
        spanId: (start + i + 1).toString(16).padStart(16, '0'),
      }),
    );
    const { status } = await post(url, '/v1/logs', logsRequest(records));
    expect([200, 503]).toContain(status);
    if (status === 200) start += size;
    else await new Promise((r) => setTimeout(r, 50));
  }
}

describe('content whose span never arrives', () => {
  it('is held in SQLite, not in memory: 10,000 orphan records do not grow the RSS of oct', async () => {
    const dbPath = path.join(tempDir(), 'oct.db');
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DB_PATH: dbPath, OCT_BATCH_TIMEOUT_MS: '20' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await waitFor(() => output.match(/listening on (http:\/\/\S+),/)?.[1], 10_000, 'the listening line');
      const pending = async () => ((await (await fetch(`${url}/healthz`)).json()) as { content: { pending: number } }).content.pending;
      let held = 0;
      const settle = async (n: number) => {
        const deadline = performance.now() + 60_000;
        while ((held = await pending()) !== n && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(held).toBe(n);
      };

      // Warm up until memory is at its working size: SQLite's page cache (bounded by the writer's
      // cache_size, 32 MiB, reached at ~50,000 of these records) and the V8 heaps of both threads.
      // Before that, RSS grows with any traffic, traces included, and says nothing about retention.
      await sendOrphans(url, 0, 50_000);
      await settle(50_000);
      const before = rssBytes(child.pid!);
      await sendOrphans(url, 50_000, 10_000);
      await settle(60_000);
      const after = rssBytes(child.pid!);
      // The 10,000 records hold ~10 MB of text (~20 MB as JS strings): kept in memory, they would show.
      expect(after - before, `RSS ${Math.round(before / 2 ** 20)} MiB → ${Math.round(after / 2 ** 20)} MiB`).toBeLessThan(30 * 2 ** 20);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
});
