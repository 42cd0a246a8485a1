import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { startOct, type RunningOct } from '../../helpers.js';
import { chatSpan, tracesRequest } from '../../logs-fixture.js';
import { request, type Answer } from './http-client.js';

// With API keys set, every route the receiver serves needs one, except the public ones. The
// routes are enumerated from oct's own 404 answer, so a route added later is covered here as well.

const KEYS = ['first-key-0123456789', 'rotated-key-9876543210'];
/** The only routes served without a key: liveness, readiness and the dashboard's files (they hold no data). */
const PUBLIC = ['GET /healthz', 'GET /readyz', 'GET /', 'GET /page/:file'];

const Status = protobuf
  .loadSync(new URL('../../../proto/google/rpc/status.proto', import.meta.url).pathname)
  .lookupType('google.rpc.Status');

/** Every `METHOD /path` oct serves, from the 404 it answers to an unknown path. */
async function servedRoutes(oct: RunningOct): Promise<string[]> {
  const res = await request(oct.url, { path: '/api/no-such-route', headers: { authorization: `Bearer ${KEYS[0]}` } });
  expect(res.status).toBe(404);
  const list = /; oct serves (.*)$/.exec((res.json as { error: string }).error)![1];
  return list.split(/, | and /);
}

/** A request to `route` with `headers`; POSTs carry an empty JSON object. */
function call(oct: RunningOct, route: string, headers: Record<string, string> = {}): Promise<Answer> {
  const [method, path] = route.split(' ');
  const concrete = path.replace(':trace_id', 'no-such-trace').replace(':file', 'main.js');
  const body = method === 'POST' ? '{}' : undefined;
  return request(oct.url, {
    method,
    path: concrete,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
}

/** The 401 in the route's dialect. */
function expectUnauthenticated(res: Answer, route: string, message: string): void {
  expect(res.status, route).toBe(401);
  expect(res.headers['www-authenticate'], route).toBe('Bearer');
  // Native, the read API and the page answer `{"error": …}`; OTLP and oct's own routes (/healthz, /metrics, …) a Status.
  if (!/^\w+ \/(api\/|page\/|$)/.test(route)) expect(res.json, route).toEqual({ code: 16, message });
  else expect(res.json, route).toEqual({ error: message });
}

const MISSING = 'an API key is required: send Authorization: Bearer <key> or x-api-key: <key> (OCT_API_KEY)';
const WRONG = "the API key is not one of oct's (OCT_API_KEY)";

describe('API keys on the HTTP edge', () => {
  it('guards every route but the public ones: 401 without a key or with a wrong one, any rotated key or x-api-key passes', async () => {
    const oct = await startOct({ apiKeys: KEYS });
    const routes = await servedRoutes(oct);
    // The read API and the page are served on loopback, so all of the receiver's families are here.
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/traces',
        'POST /api/v1/traces',
        'GET /api/v1/stats',
        'GET /',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
      ]),
    );
    let refused = 0;
    for (const route of routes) {
      const anonymous = await call(oct, route);
      if (PUBLIC.includes(route)) {
        expect(anonymous.status, route).not.toBe(401);
        continue;
      }
      expectUnauthenticated(anonymous, route, MISSING);
      expectUnauthenticated(await call(oct, route, { authorization: 'Bearer not-a-key' }), route, WRONG);
      expectUnauthenticated(await call(oct, route, { 'x-api-key': `${KEYS[0]}x` }), route, WRONG);
      // Basic is not Bearer, even with a valid key in it.
      expectUnauthenticated(await call(oct, route, { authorization: `Basic ${KEYS[0]}` }), route, MISSING);
      refused += 4;
      const passing: Record<string, string>[] = [
        { authorization: `Bearer ${KEYS[0]}` },
        { authorization: `bearer ${KEYS[1]}` },
        { 'x-api-key': KEYS[1] },
        { authorization: 'Bearer wrong', 'x-api-key': KEYS[0] },
      ];
      for (const headers of passing) {
        const res = await call(oct, route, headers);
        expect([401, 403], `${route} ${JSON.stringify(headers)}: ${res.body.toString()}`).not.toContain(res.status);
      }
    }
    // An unknown path needs the key before oct lists its routes.
    expectUnauthenticated(await request(oct.url, { path: '/v1/nope', method: 'POST' }), 'POST /v1/nope', MISSING);
    expect(((await request(oct.url, { path: '/api/v2' })).json as { error: string }).error).toBe(MISSING);
    refused += 2;

    const health = (await request(oct.url, { path: '/healthz' })).json as { receiver: { unauthenticated_requests: number } };
    expect(health.receiver.unauthenticated_requests).toBe(refused);
  });

  it('answers a protobuf OTLP request without a key with a protobuf google.rpc.Status, and stores nothing', async () => {
    const oct = await startOct({ apiKeys: KEYS });
    const res = await request(oct.url, {
      method: 'POST',
      path: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from('not read'),
    });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(Status.toObject(Status.decode(res.body))).toEqual({ code: 16, message: MISSING });
    const json = await request(oct.url, {
      method: 'POST',
      path: '/v1/traces',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[1]}` },
      body: tracesRequest([chatSpan(1)]),
    });
    expect(json.status).toBe(200);
    const health = (await request(oct.url, { path: '/healthz' })).json as {
      receiver: { otlp_spans_received: number; otlp_requests_failed: number };
    };
    expect(health.receiver).toMatchObject({ otlp_spans_received: 1, otlp_requests_failed: 1 });
  });

  it('serves without a key when none is set (loopback), as before', async () => {
    const oct = await startOct();
    const res = await call(oct, 'POST /api/v1/traces');
    expect(res.status).toBe(400);
    expect((await call(oct, 'GET /api/v1/stats')).status).toBe(200);
  });
});
