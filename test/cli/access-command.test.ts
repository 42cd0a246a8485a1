import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { count, startOct, tempDir, waitFor } from '../helpers.js';
import { chatSpan, tracesRequest } from '../logs-fixture.js';
import { finished, OCT, runOct } from './oct-command.js';

const KEY = 'spawned-oct-key-0123456789';

/** Starts `oct` with `env`; resolves once it logs its listening line, with its port and what it has logged. */
async function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [OCT], {
    env: { PATH: process.env.PATH ?? '', OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DB_PATH: path.join(tempDir(), 'oct.db'), ...env },
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = finished(child);
  const match = await waitFor(() => /listening on https?:\/\/\S+:(\d+),/.exec(output), 10_000, 'the listening line');
  return {
    port: Number(match[1]),
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return (await exit).code;
    },
  };
}

describe('oct serve beyond loopback', () => {
  it('refuses to start without a key, in one line naming OCT_API_KEY and OCT_AUTH=none, exit 2', async () => {
    const run = await runOct([], { OCT_HOST: '0.0.0.0', OCT_PORT: '0' });
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      'oct: OCT_HOST=0.0.0.0 is not a loopback address and no API key is set: set OCT_API_KEY (or OCT_API_KEY_FILE) so clients must present a key, or OCT_AUTH=none to accept anyone who can reach the port (a trusted network only)\n',
    );
    expect((await runOct(['--host', '0.0.0.0', '--tls-key-file', '/nonexistent'], {})).code).toBe(2);
  });

  it('with OCT_AUTH=none serves ingest without a key, keeps the read API and the page off, and says why', async () => {
    const oct = await serve({ OCT_HOST: '0.0.0.0', OCT_AUTH: 'none' });
    const base = `http://127.0.0.1:${oct.port}`;
    expect(
      (await fetch(`${base}/api/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' }))
        .status,
    ).toBe(202);
    expect((await fetch(`${base}/api/v1/stats`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect(await oct.stop()).toBe(0);
    expect(oct.output()).toContain('WARN oct: OCT_AUTH=none: anyone who can reach 0.0.0.0 may send data, without a key');
    expect(oct.output()).toContain(
      'WARN oct: read API and dashboard off: 0.0.0.0 is not a loopback address and OCT_AUTH=none, so they would show stored prompts to anyone; set OCT_API_KEY to serve them behind the key',
    );
  });

  it('with keys from OCT_API_KEY_FILE serves everything, the read API and the page included, behind the key; the key is never logged', async () => {
    const keyFile = path.join(tempDir(), 'keys');
    fs.writeFileSync(keyFile, `old-key-0123456789\n${KEY}\n`);
    const oct = await serve({ OCT_HOST: '0.0.0.0', OCT_API_KEY_FILE: keyFile, OCT_LOG_LEVEL: 'info' });
    const base = `http://127.0.0.1:${oct.port}`;
    expect((await fetch(`${base}/api/v1/stats`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/stats`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/stats`, { headers: { 'x-api-key': 'old-key-0123456789' } })).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await oct.stop()).toBe(0);
    expect(oct.output()).toContain("API keys set: every route but the public ones (health checks, the dashboard's files) needs one");
    expect(oct.output()).not.toContain(KEY);
    expect(oct.output()).not.toContain('old-key');
  });
});

describe('oct import --url with a key', () => {
  it("sends the key of OCT_API_KEY as Authorization: Bearer, and stops with oct's 401 without one", async () => {
    const oct = await startOct({ apiKeys: ['other-key-0123456789', KEY] });
    const file = path.join(tempDir(), 'capture.jsonl');
    fs.writeFileSync(file, `${tracesRequest([chatSpan(1), chatSpan(2)])}\n`);
    const anonymous = await runOct(['import', '--url', oct.url, file]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(
      `oct: import stopped: ${oct.url}/v1/traces answered 401: an API key is required: send Authorization: Bearer <key> or x-api-key: <key> (OCT_API_KEY)`,
    );
    const run = await runOct(['import', '--url', oct.url, file], { OCT_API_KEY: KEY });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`oct import: 2 items acknowledged by ${oct.url}\n`);
    await waitFor(() => count(oct.db, 'traces') === 2, 5_000, 'the imported rows');
  });
});
