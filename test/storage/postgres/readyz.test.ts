import { describe, expect, it } from 'vitest';
import { chatSpan, post, tracesRequest } from '../../logs-fixture.js';
import { startOctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (const deadline = performance.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const value = await probe();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
  }
}

/** oct on a fresh database is ready; after the server stops (and `whileDown` ran) it is not; once it is back it is ready again. */
async function followsTheServer(whileDown: (url: string) => Promise<void>): Promise<void> {
  const server = pgServer();
  const oct = await startOctProcess(await server.createDatabase(), { OCT_BATCH_TIMEOUT_MS: '20' });
  try {
    expect(await readyz(oct.url)).toEqual({ status: 200, body: { status: 'ready' } });
    await server.stop();
    await whileDown(oct.url);
    const down = await until(
      () => readyz(oct.url),
      (r) => r.status === 503,
      'not ready',
    );
    expect(down.body).toEqual({ status: 'not_ready', reason: expect.stringMatching(/^PostgreSQL is not writable: /) as string });
    await server.start();
    await until(
      () => readyz(oct.url),
      (r) => r.status === 200,
      'ready again',
    );
  } finally {
    await oct.stop();
  }
}

describe('GET /readyz on PostgreSQL', () => {
  it('follows the database while no batch is written: not ready soon after it stops, ready once it is back', async () => {
    await followsTheServer(async () => {});
  });

  it('is 503 while the database is unreachable and ready again once a write gets through', async () => {
    await followsTheServer(async (url) => {
      expect((await post(url, '/v1/traces', tracesRequest([chatSpan(1)]))).status).toBe(200);
    });
  });
});
