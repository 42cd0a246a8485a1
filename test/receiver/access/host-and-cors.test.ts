import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';
import { chatSpan, tracesRequest } from '../../logs-fixture.js';
import { request } from './http-client.js';

const KEY = 'a-key-for-the-host-tests';

describe('the Host rule (DNS rebinding), on loopback without a key', () => {
  it('answers only Host names of loopback, with or without a port; others get 403 in the route dialect', async () => {
    const oct = await startOct();
    const port = new URL(oct.url).port;
    for (const host of ['localhost', `localhost:${port}`, 'LOCALHOST', '127.0.0.1', `127.0.0.1:${port}`, '[::1]', `[::1]:${port}`]) {
      expect((await request(oct.url, { path: '/healthz', headers: { host } })).status, host).toBe(200);
    }
    const message = (host: string) =>
      `Host '${host}' is not a loopback name; without an API key oct answers only requests to localhost, 127.0.0.1 or [::1] (OCT_API_KEY lifts this)`;
    const health = await request(oct.url, { path: '/healthz', headers: { host: `rebound.example:${port}` } });
    expect(health.status).toBe(403);
    expect(health.json).toEqual({ code: 7, message: message(`rebound.example:${port}`) });
    const otlp = await request(oct.url, {
      method: 'POST',
      path: '/v1/traces',
      headers: { host: 'localhost.rebound.example', 'content-type': 'application/json' },
      body: tracesRequest([chatSpan(1)]),
    });
    expect(otlp.status).toBe(403);
    expect(otlp.json).toEqual({ code: 7, message: message('localhost.rebound.example') });
    const read = await request(oct.url, { path: '/api/v1/traces', headers: { host: '10.0.0.8' } });
    expect(read.status).toBe(403);
    expect(read.json).toEqual({ error: message('10.0.0.8') });
    // The page is public with keys, but not to a rebound name: it would then read the API as that page.
    const page = await request(oct.url, { path: '/', headers: { host: 'rebound.example' } });
    expect(page.status).toBe(403);

    const counters = (await request(oct.url, { path: '/healthz' })).json as { receiver: Record<string, number> };
    expect(counters.receiver).toMatchObject({
      wrong_host_requests: 4,
      otlp_spans_received: 0,
      otlp_requests_failed: 1,
      read_requests_failed: 2,
    });
  });

  it('checks no Host when API keys are set: the key is the guard', async () => {
    const oct = await startOct({ apiKeys: [KEY] });
    const res = await request(oct.url, {
      path: '/api/v1/stats',
      headers: { host: 'oct.internal.example', authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('CORS (OCT_CORS_ORIGINS)', () => {
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    path: '/v1/traces',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });

  it('answers a preflight from an allowed origin with 204, before the key is asked for', async () => {
    const oct = await startOct({ corsOrigins: ['https://app.example'], apiKeys: [KEY] });
    const res = await request(oct.url, preflight('https://app.example'));
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-allow-headers': 'Content-Type, Authorization, Content-Encoding, x-api-key',
      'access-control-max-age': '7200',
      vary: 'Origin',
    });
    // Another origin: no CORS headers, so the browser refuses the request itself.
    const other = await request(oct.url, preflight('https://evil.example'));
    expect(other.status).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('marks answers to an allowed origin, errors too, so the page can read them', async () => {
    const oct = await startOct({ corsOrigins: ['https://app.example', 'http://localhost:5173'], apiKeys: [KEY] });
    const post = (origin: string, headers: Record<string, string> = {}) =>
      request(oct.url, {
        method: 'POST',
        path: '/v1/traces',
        headers: { origin, 'content-type': 'application/json', ...headers },
        body: tracesRequest([chatSpan(1)]),
      });
    const ok = await post('http://localhost:5173', { authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': 'http://localhost:5173', vary: 'Origin' });
    expect(ok.headers['access-control-expose-headers']).toBe('Retry-After, WWW-Authenticate');
    const refused = await post('https://app.example');
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('https://app.example');
    const foreign = await post('https://evil.example', { authorization: `Bearer ${KEY}` });
    expect(foreign.status).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("allows any origin with '*'", async () => {
    const oct = await startOct({ corsOrigins: ['*'] });
    const res = await request(oct.url, preflight('https://anything.example'));
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('sends no CORS headers by default, and OPTIONS is then a 405 like any other method', async () => {
    const oct = await startOct();
    const res = await request(oct.url, preflight('https://app.example'));
    expect(res.status).toBe(405);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(oct.url, {
      method: 'POST',
      path: '/api/v1/traces',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: '{"model":"m"}',
    });
    expect(post.status).toBe(202);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });
});
