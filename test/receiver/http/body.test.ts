import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startOct, waitFor } from '../../helpers.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** POSTs `chunks` one write each (so chunked, no Content-Length) over `agent`. */
function postChunks(url: string, chunks: (string | Buffer)[], headers: Record<string, string>, agent: http.Agent) {
  return new Promise<{ status: number; body: string; reusedSocket: boolean }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('the request body', () => {
  it.each([
    ['/api/v1/traces', '{"model":"m","input":"', '"}', 202],
    ['/v1/traces', '{"resourceSpans":[],"x":"', '"}', 200],
  ])('on %s, refuses a chunked body once it passes the limit and keeps the connection', async (path, head, tail, ok) => {
    const oct = await startOct({ maxBodyBytes: 1024 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await postChunks(oct.url + path, [head, ...Array.from({ length: 20 }, () => 'x'.repeat(100)), tail], JSON_TYPE, agent);
      expect(big.status).toBe(413);
      const next = await postChunks(oct.url + path, [head, 'x', tail], JSON_TYPE, agent);
      expect(next.status).toBe(ok);
      expect(next.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('keeps the connection after refusing a gzip bomb', async () => {
    const oct = await startOct({ maxBodyBytes: 64 * 1024 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
      const gz = { ...JSON_TYPE, 'content-encoding': 'gzip' };
      expect((await postChunks(`${oct.url}/v1/traces`, [bomb], gz, agent)).status).toBe(413);
      const next = await postChunks(`${oct.url}/v1/traces`, [zlib.gzipSync('{}')], gz, agent);
      expect(next).toMatchObject({ status: 200, body: '{}', reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });

  it('inflates br bodies', async () => {
    const oct = await startOct();
    const body = zlib.brotliCompressSync(JSON.stringify({ model: 'br' }));
    const res = await fetch(`${oct.url}/api/v1/traces`, { method: 'POST', headers: { ...JSON_TYPE, 'content-encoding': 'br' }, body });
    expect(res.status).toBe(202);
  });

  it('counts a client that hangs up mid-body as failed, and serves the next one', async () => {
    const oct = await startOct();
    const { port } = new URL(oct.url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /api/v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":');
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitFor(() => oct.runtime.health().receiver.native_requests_failed === 1, 2_000, 'the aborted request to count as failed');
    const res = await fetch(`${oct.url}/api/v1/traces`, { method: 'POST', headers: JSON_TYPE, body: '{"model":"m"}' });
    expect(res.status).toBe(202);
  });
});
