import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { Runtime } from '../../dist/runtime.js';
import { tempDir } from '../helpers.js';
import { chatSpan, tracesRequest } from '../logs-fixture.js';
import { rawClient, TRACE_PATH } from '../receiver/grpc/grpc-client.js';

const SECRET = 'do-not-log-this-prompt';
const KEY = 'Bearer key-that-must-not-appear';

async function octLogging(logLevel: Config['logLevel']) {
  const lines: string[] = [];
  const runtime = new Runtime(
    { ...defaultConfig(), port: 0, grpcPort: 0, dbPath: path.join(tempDir(), 'oct.db'), logLevel },
    createLogger(logLevel, (line) => lines.push(line)),
  );
  const { url, grpcPort } = await runtime.start();
  return { runtime, url, grpcUrl: `http://127.0.0.1:${grpcPort}`, lines };
}

const postJson = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: KEY }, body });

describe('refused requests in the log', () => {
  it('at debug: each one, with route, status, reason and client, never the body or a key', async () => {
    const oct = await octLogging('debug');
    try {
      expect((await postJson(`${oct.url}/v1/traces`, `{"resourceSpans": "${SECRET}"}`)).status).toBe(400);
      expect((await postJson(`${oct.url}/api/v1/traces`, JSON.stringify({ model: SECRET, start_time: 1_714_564_800 }))).status).toBe(400);
      expect((await postJson(`${oct.url}/v1/trace`, '{}')).status).toBe(404);
      expect((await fetch(`${oct.url}/api/v1/traces?limit=5000&q=${SECRET}`)).status).toBe(400);
      expect((await postJson(`${oct.url}/v1/traces`, tracesRequest([chatSpan(1), { ...chatSpan(2), spanId: '' }]))).status).toBe(200);
      const grpc = rawClient(oct.grpcUrl);
      await expect(grpc.call(TRACE_PATH, Buffer.from([0xff, 0xff]))).rejects.toMatchObject({ code: 3 });
      grpc.close();
    } finally {
      await oct.runtime.shutdown();
    }
    const refused = oct.lines.filter((l) => l.includes(' DEBUG oct: refused '));
    expect(refused).toEqual([
      expect.stringMatching(/refused POST \/v1\/traces from (::ffff:)?127\.0\.0\.1: 400 resourceSpans: /),
      expect.stringMatching(
        /refused POST \/api\/v1\/traces from (::ffff:)?127\.0\.0\.1: 400 invalid request: 1 problem: start_time: 1714564800 is before 2000-01-01 .* epoch seconds/,
      ),
      expect.stringMatching(/refused POST \/v1\/trace from \S+: 404 no route for POST \/v1\/trace;/),
      expect.stringMatching(/refused GET \/api\/v1\/traces from \S+: 400 limit: /),
      expect.stringMatching(
        /refused gRPC opentelemetry\.proto\.collector\.trace\.v1\.TraceService\/Export from \S*127\.0\.0\.1\S*: INVALID_ARGUMENT /,
      ),
    ]);
    expect(oct.lines.filter((l) => l.includes(' DEBUG oct: rejected '))).toEqual([
      expect.stringMatching(
        /rejected 1 items of POST \/v1\/traces from \S+: partial_success: 1 span rejected: invalid trace_id or span_id .*spans\[1\]$/,
      ),
    ]);
    expect(oct.lines.join('\n')).not.toContain(SECRET);
    expect(oct.lines.join('\n')).not.toContain('key-that-must-not-appear');
  });

  it('at info: the first of a reason at once, the repeats as one summary (written at the latest on stop)', async () => {
    const oct = await octLogging('info');
    try {
      for (let i = 0; i < 12; i++) expect((await postJson(`${oct.url}/v1/traces`, '{"resourceSpans": 5}')).status).toBe(400);
      expect((await postJson(`${oct.url}/api/v1/errors`, '{}')).status).toBe(400);
      const refused = oct.lines.filter((l) => l.includes('refused'));
      expect(refused).toEqual([
        expect.stringMatching(
          /INFO oct: request refused: 400 resourceSpans: .* \(POST \/v1\/traces from \S+; repeats are summarised once a minute/,
        ),
        expect.stringMatching(
          /INFO oct: request refused: 400 invalid request: 1 problem: message: is required \(POST \/api\/v1\/errors from /,
        ),
      ]);
    } finally {
      await oct.runtime.shutdown();
    }
    expect(oct.lines.filter((l) => / 11 requests refused in the last minute: 400 resourceSpans: /.test(l))).toHaveLength(1);
    expect(oct.lines.filter((l) => l.includes('in the last minute'))).toHaveLength(1);
  });
});
