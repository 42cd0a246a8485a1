import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { lockDatabase, startOct, waitFor } from '../../helpers.js';

// Uncompressed POSTs to the exact native paths are served before express (the fast route); a
// query string sends the same request through express. Both must answer alike, byte for byte
// but for the Date, the ETag and the random trace ids.

interface RawAnswer {
  status: number;
  /** Header names in wire order, lower-cased, with their values. */
  headers: [string, string][];
  body: string;
  reusedSocket: boolean;
}

function request(
  url: string,
  path: string,
  headers: Record<string, string>,
  chunks: (string | Buffer)[],
  agent?: http.Agent,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method: 'POST', headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode!, headers, body, reusedSocket: req.reusedSocket });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const comparable = (a: RawAnswer) => ({
  status: a.status,
  headers: a.headers.filter(([name]) => name !== 'date' && name !== 'etag'),
  body: a.body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID'),
});

describe('native fast route', () => {
  it.each([
    ['a valid trace', '/api/v1/traces', JSON_TYPE, '{"model":"m","input":"hi","status":"error"}'],
    ['a valid error', '/api/v1/errors', JSON_TYPE, '{"message":"boom"}'],
    ['an empty array', '/api/v1/traces', JSON_TYPE, '[]'],
    ['malformed JSON', '/api/v1/traces', JSON_TYPE, '{"model":'],
    ['invalid UTF-8', '/api/v1/traces', JSON_TYPE, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ['an invalid item', '/api/v1/errors', JSON_TYPE, '[{"mesage":"x"}]'],
    ['another content type', '/api/v1/traces', { 'content-type': 'text/plain' }, 'x'],
    ['a body over the limit', '/api/v1/traces', JSON_TYPE, `{"model":"m","input":"${'x'.repeat(300)}"}`],
  ])('answers %s as express does', async (_name, path, headers, body) => {
    const oct = await startOct({ maxBodyBytes: 256 });
    const fast = await request(oct.url, path, headers, [body]);
    const viaExpress = await request(oct.url, `${path}?via=express`, headers, [body]);
    expect(comparable(fast)).toEqual(comparable(viaExpress));
    // What express's res.json sent before the fast route existed.
    expect(fast.headers.map(([name]) => name)).toEqual(['content-type', 'content-length', 'etag', 'date', 'connection', 'keep-alive']);
    expect(fast.headers[0]).toEqual(['content-type', 'application/json; charset=utf-8']);
    expect(fast.headers[1]).toEqual(['content-length', String(Buffer.byteLength(fast.body))]);
    const etag = (a: RawAnswer) => a.headers.find(([name]) => name === 'etag')?.[1];
    const sha1 = createHash('sha1').update(fast.body).digest('base64').slice(0, 27);
    expect(etag(fast)).toBe(`W/"${Buffer.byteLength(fast.body).toString(16)}-${sha1}"`);
  });

  it('answers 503 with Retry-After when the queue is full, as express does', async () => {
    const oct = await startOct({ queueCapacity: 1, batchMaxRows: 1, admissionWaitMs: 0 });
    lockDatabase(oct.dbPath);
    const body = ['{"model":"m"}'];
    expect((await request(oct.url, '/api/v1/traces', JSON_TYPE, body)).status).toBe(202);
    const fast = await request(oct.url, '/api/v1/traces', JSON_TYPE, body);
    const viaExpress = await request(oct.url, '/api/v1/traces?via=express', JSON_TYPE, body);
    expect(fast.status).toBe(503);
    expect(fast.headers[0]).toEqual(['retry-after', '1']);
    expect(comparable(fast)).toEqual(comparable(viaExpress));
  });

  it('refuses a chunked body once it passes the limit, and keeps the connection', async () => {
    const oct = await startOct({ maxBodyBytes: 1024 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const chunks = ['{"model":"m","input":"', ...Array.from({ length: 20 }, () => 'x'.repeat(100)), '"}'];
      const big = await request(oct.url, '/api/v1/traces', JSON_TYPE, chunks, agent);
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body)).toEqual({
        error: 'request body exceeds the limit of 1024 bytes (after decompression); OCT_MAX_BODY_BYTES sets it',
      });
      const next = await request(oct.url, '/api/v1/traces', JSON_TYPE, ['{"model":', '"m"}'], agent);
      expect(next.status).toBe(202);
      expect(next.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('survives a client that hangs up mid-body', async () => {
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
    expect((await request(oct.url, '/api/v1/traces', JSON_TYPE, ['{"model":"m"}'])).status).toBe(202);
  });

  it('leaves compressed bodies and other methods to express', async () => {
    const oct = await startOct();
    const deflated = await request(oct.url, '/api/v1/traces', { ...JSON_TYPE, 'content-encoding': 'compress' }, ['{}']);
    expect(deflated.status).toBe(400);
    expect(JSON.parse(deflated.body)).toEqual({ error: 'unsupported Content-Encoding: compress (supported: gzip, deflate, br, identity)' });
    const put = await fetch(`${oct.url}/api/v1/traces`, { method: 'PUT' });
    expect(put.status).toBe(405);
  });
});
