import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers.js';

// These tests run the built server (`npm test` builds first), exactly as `npm start` does.
const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

function startProcess(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string } {
  // A free gRPC port unless the test names one: parallel tests cannot all have 4317.
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', OCT_GRPC_PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** An OTLP/JSON request with `n` GenAI chat spans of one trace. */
function chatSpans(n: number, traceId: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_500_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: 10 } },
    ],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
}

describe('the oct process', () => {
  it('writes every acknowledged span before exiting 0 on SIGTERM', async () => {
    const dbPath = path.join(tempDir(), 'oct.db');
    // A long batch timeout keeps the events queued, so only the shutdown drain can write them.
    const { child, output } = startProcess({
      OCT_PORT: '0',
      OCT_DB_PATH: dbPath,
      OCT_BATCH_TIMEOUT_MS: '60000',
      OCT_BATCH_MAX_ROWS: '500',
    });
    const url = await waitFor(() => output().match(/listening on (http:\/\/\S+),/)?.[1], 10_000, 'the listening line');
    let acknowledged = 0;
    for (let r = 0; r < 8; r++) {
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatSpans(40, (r + 1).toString(16).padStart(32, '0')),
      });
      expect(res.status).toBe(200);
      acknowledged += 40;
    }
    const health = (await (await fetch(`${url}/healthz`)).json()) as { pipeline: { persisted: number; pending: number } };
    expect(health.pipeline).toMatchObject({ persisted: 0, pending: acknowledged });
    const exit = exited(child);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM traces').get()).toEqual({ n: acknowledged });
    db.close();
    expect(output()).toMatch(/stopped in \d+ ms: 320 events persisted/);
  });

  it('logs what zlib and protobufjs said about a refused body at OCT_LOG_LEVEL=debug only, and answers in its own words', async () => {
    for (const level of ['debug', 'info']) {
      const { child, output } = startProcess({ OCT_PORT: '0', OCT_DB_PATH: path.join(tempDir(), 'oct.db'), OCT_LOG_LEVEL: level });
      const url = await waitFor(() => output().match(/listening on (http:\/\/\S+),/)?.[1], 10_000, 'the listening line');
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: 'not gzip',
      });
      expect(await res.json()).toEqual({ code: 3, message: 'the request body is not valid gzip data (Content-Encoding: gzip)' });
      const exit = exited(child);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      const debug =
        /DEBUG oct: refused POST \/v1\/traces from \S+: 400 the request body is not valid gzip data \(Content-Encoding: gzip\) \(incorrect header check\)/;
      if (level === 'debug') expect(output()).toMatch(debug);
      else expect(output()).not.toContain('incorrect header check');
    }
  });

  it('exits 2 with one clear line for an invalid setting', async () => {
    const { child, output } = startProcess({ OCT_PORT: 'eighty' });
    expect(await exited(child)).toBe(2);
    expect(output()).toBe("oct: OCT_PORT is invalid: expected an integer from 0 to 65535 (actual: 'eighty')\n");
  });

  it('exits 1 with one line when the port is taken', async () => {
    const first = startProcess({ OCT_PORT: '0', OCT_DB_PATH: path.join(tempDir(), 'a.db') });
    const url = await waitFor(() => first.output().match(/listening on (http:\/\/\S+),/)?.[1], 10_000, 'the listening line');
    const port = new URL(url).port;
    const second = startProcess({ OCT_PORT: port, OCT_DB_PATH: path.join(tempDir(), 'b.db') });
    expect(await exited(second.child)).toBe(1);
    expect(second.output()).toMatch(/^oct: could not start: listen EADDRINUSE/m);
    expect(second.output()).not.toMatch(/\n\s+at /); // no stack trace
    const exit = exited(first.child);
    first.child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('exits 1 with one line when the gRPC port is taken', async () => {
    const first = startProcess({ OCT_PORT: '0', OCT_DB_PATH: path.join(tempDir(), 'a.db') });
    const grpcPort = await waitFor(() => first.output().match(/OTLP\/gRPC on \S+:(\d+),/)?.[1], 10_000, 'the listening line');
    const second = startProcess({ OCT_PORT: '0', OCT_GRPC_PORT: grpcPort, OCT_DB_PATH: path.join(tempDir(), 'b.db') });
    expect(await exited(second.child)).toBe(1);
    expect(second.output()).toMatch(new RegExp(`^oct: could not start: OTLP/gRPC could not listen on 127.0.0.1:${grpcPort}: `, 'm'));
    expect(second.output()).not.toMatch(/\n\s+at /);
    const exit = exited(first.child);
    first.child.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
