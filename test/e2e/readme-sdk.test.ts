import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOct, tempDir, waitFor } from '../helpers.js';

/** README's blocks marked `<!-- tested: NAME -->`, by name: the code these tests run is README's own. */
function readmeBlocks(): Record<string, string> {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks: Record<string, string> = {};
  for (const m of readme.matchAll(/<!-- tested: (\S+) -->\n```\w*\n([\s\S]*?)```/g)) blocks[m[1]] = m[2];
  return blocks;
}

/** The `export NAME=value` lines of a shell block, comments dropped. */
function exportedEnv(sh: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of sh.matchAll(/^export (\w+)=(\S+)/gm)) env[m[1]] = m[2];
  return env;
}

/** A stand-in for the OpenAI API: every chat completion answers "Paris.". */
async function fakeOpenAI(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1_760_000_000,
          model: 'gpt-4o-mini-2024-07-18',
          usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Paris.' } }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const APP_CALL = `
const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.FAKE_OPENAI_URL, maxRetries: 0 });
const answer = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Capital of France?' }],
});
console.log(answer.choices[0].message.content);
`;

const SETUPS: { name: string; files: Record<string, string>; args: string[]; grpc: boolean }[] = [
  {
    name: 'CommonJS, --require ./tracing.cjs, over http/protobuf',
    files: { 'tracing.cjs': 'tracing.cjs', 'app.cjs': `const { OpenAI } = require('openai');\n(async () => {${APP_CALL}})();\n` },
    args: ['--require', './tracing.cjs', 'app.cjs'],
    grpc: false,
  },
  {
    name: 'ES modules, --import ./telemetry.mjs, over grpc',
    files: { 'telemetry.mjs': 'telemetry.mjs', 'app.mjs': `import OpenAI from 'openai';\n${APP_CALL}` },
    args: ['--import', './telemetry.mjs', 'app.mjs'],
    grpc: true,
  },
];

describe("README's Node SDK set-ups, run as written", () => {
  it.each(SETUPS)('$name lands the call with its service name, prompt and completion', async ({ files, args, grpc }) => {
    const blocks = readmeBlocks();
    const oct = await startOct({ batchTimeoutMs: 20 });
    const api = await fakeOpenAI();
    const dir = tempDir();
    // The app resolves its packages from this checkout's node_modules, as from its own.
    fs.symlinkSync(new URL('../../node_modules', import.meta.url).pathname, path.join(dir, 'node_modules'), 'dir');
    for (const [file, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), blocks[source] ?? source);

    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...exportedEnv(blocks['env.sh']), FAKE_OPENAI_URL: api.url };
    expect(env).toMatchObject({ OTEL_SERVICE_NAME: 'billing', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    env.OTEL_EXPORTER_OTLP_ENDPOINT = grpc ? oct.grpcUrl! : oct.url;
    if (grpc) env.OTEL_EXPORTER_OTLP_PROTOCOL = 'grpc';
    const child = spawn(process.execPath, args, { cwd: dir, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    await api.close();
    expect({ code, output }).toEqual({ code: 0, output: 'Paris.\n' });

    const row = await waitFor(
      () => oct.db.prepare('SELECT * FROM traces WHERE output_text IS NOT NULL').get() as Record<string, unknown> | undefined,
      5_000,
      'the call with its completion',
    );
    expect(row).toMatchObject({
      service_name: 'billing',
      scope_name: '@opentelemetry/instrumentation-openai',
      kind: 'llm',
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      model: 'gpt-4o-mini-2024-07-18',
      input_text: 'user: Capital of France?',
      output_text: 'assistant: Paris.',
      input_tokens: 12,
      output_tokens: 2,
    });
    const receiver = (
      (await (await fetch(`${oct.url}/healthz`)).json()) as { receiver: { otlp_transports: Record<string, Record<string, number>> } }
    ).receiver.otlp_transports[grpc ? 'grpc' : 'http'];
    expect(receiver).toMatchObject({ otlp_spans_received: 1, otlp_logs_received: 2, otlp_requests_failed: 0 });
  });
});
