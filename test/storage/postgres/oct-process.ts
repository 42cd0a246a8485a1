import { spawn } from 'node:child_process';
import { waitFor } from '../../helpers.js';

// The built server (`npm test` builds first), started exactly as a user starts it.
const MAIN = new URL('../../../dist/main.js', import.meta.url).pathname;

export interface OctProcess {
  url: string;
  output: () => string;
  health: () => Promise<Health>;
  /** SIGTERM; resolves once the process has exited. */
  stop: () => Promise<void>;
}

export interface Health {
  pipeline: { pending: number; persisted: number; duplicates: number; failed: number };
  content: { pending: number; joined: number };
  storage: {
    engine: string;
    writable: boolean;
    error: string | null;
    retries: number;
    retention: { passes: number; skipped: number; deleted: { traces: number; errors: number } };
  };
}

/** An oct process writing to `databaseUrl`, on a free loopback port. */
export async function startOctProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<OctProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DATABASE_URL: databaseUrl, OCT_LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = await waitFor(() => output.match(/listening on (http:\/\/\S+),/)?.[1], 15_000, 'oct to listen').catch(async (err: Error) => {
    await stop();
    throw new Error(`${err.message}:\n${output}`);
  });
  return {
    url,
    stop,
    output: () => output,
    health: async () => (await (await fetch(`${url}/healthz`)).json()) as Health,
  };
}

/** Waits until every process has written all it admitted. */
export async function drained(octs: OctProcess[], timeoutMs = 15_000): Promise<Health[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const healths = await Promise.all(octs.map((o) => o.health()));
    if (healths.every((h) => h.pipeline.pending === 0)) return healths;
    if (performance.now() > deadline)
      throw new Error(`not drained after ${timeoutMs} ms: ${JSON.stringify(healths.map((h) => h.pipeline))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
