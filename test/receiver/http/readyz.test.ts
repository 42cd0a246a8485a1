import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/config.js';
import { Runtime } from '../../../dist/runtime.js';
import { startOct, tempDir, waitFor } from '../../helpers.js';

async function readyz(url: string) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}

describe('GET /readyz', () => {
  it('is not ready before start and while shutting down, ready in between', async () => {
    const runtime = new Runtime({ ...defaultConfig(), port: 0, grpcPort: 0, dbPath: path.join(tempDir(), 'oct.db'), logLevel: 'silent' });
    expect(runtime.readiness()).toEqual({ ready: false, reason: 'oct is starting' });
    const { url } = await runtime.start();
    expect(await readyz(url)).toEqual({ status: 200, body: { status: 'ready' } });
    const stopped = runtime.shutdown();
    expect(runtime.readiness()).toEqual({ ready: false, reason: 'oct is shutting down' });
    await stopped;
  });

  it('answers 503 with the reason while the disk guard refuses writes, from the start', async () => {
    const oct = await startOct({ minFreeDiskMb: 1 << 30 });
    await waitFor(() => !oct.runtime.health().storage.writable, 5_000, 'the disk guard');
    const answer = await readyz(oct.url);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      status: 'not_ready',
      reason: expect.stringMatching(/^the disk is full: .* below OCT_MIN_FREE_DISK_MB/) as string,
    });
    // Liveness is another question: /healthz still answers 200, saying what it refuses.
    const health = await fetch(`${oct.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('refusing_writes');
  });
});
