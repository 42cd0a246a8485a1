import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { readBody } from '../../../src/receiver/body.js';
import { answer } from '../../../src/receiver/http/answer.js';
import { HttpReceiver, type SlowClientLimits } from '../../../src/receiver/http-receiver.js';
import { InflightBudget } from '../../../src/receiver/inflight-budget.js';
import { otlpErrors } from '../../../src/receiver/otlp/otlp-route.js';
import { newReceiverStats } from '../../../src/receiver/receiver-stats.js';
import { RejectionLog } from '../../../src/receiver/rejection-log.js';
import { startOct } from '../../helpers.js';
import { chatSpan, tracesRequest } from '../../logs-fixture.js';

const sockets: net.Socket[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of receivers.splice(0)) await r.shutdown();
});

/** A raw connection that records what the server sends and when it closes. */
function connect(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now())));
    socket.once('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function drip(socket: net.Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]);
  }, everyMs);
}

const logger = createLogger('silent');
const LIMITS: SlowClientLimits = { headersTimeoutMs: 400, requestTimeoutMs: 1_500, minBodyRate: { bytes: 200, windowMs: 400 } };

/** A receiver with one route that reads the body (the real body reader) and answers its length. */
async function receiver(limits = LIMITS) {
  const r = new HttpReceiver({
    host: '127.0.0.1',
    port: 0,
    routes: [
      {
        method: 'POST',
        path: '/echo',
        usage: 'echo is sent with POST',
        errors: otlpErrors(),
        handle: async (req, res, memory) => answer(res, 200, 'text/plain', String((await readBody(req, 1 << 20, memory)).length)),
      },
    ],
    defaultErrors: otlpErrors(),
    health: () => ({ status: 'ok' }),
    budget: new InflightBudget(64 << 20),
    readiness: () => ({ ready: true }),
    closeTimeoutMs: 1_000,
    maxConnections: 100,
    connectionRefused: () => {},
    slowClients: limits,
    keys: undefined,
    hostAllowed: undefined,
    corsOrigins: [],
    tls: undefined,
    stats: newReceiverStats(),
    logger,
    rejections: new RejectionLog(logger),
  });
  receivers.push(r);
  await r.start();
  return { port: r.address().port };
}

const echo = (port: number, body: string) =>
  fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('slow clients', () => {
  it('closes a connection that drips its headers, with a 408, by the header timeout', async () => {
    const oct = await receiver();
    const c = await connect(oct.port);
    const start = performance.now();
    drip(c.socket, 'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' + 'x-pad: y\r\n'.repeat(100), 20);
    const closedAt = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    // The timeout, plus at most one check interval (the timeout itself here), plus scheduling slack.
    expect(closedAt - start).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(closedAt - start).toBeLessThan(2 * LIMITS.headersTimeoutMs + 1_000);
    // A normal client is still served.
    expect(await (await echo(oct.port, '{}')).text()).toBe('2');
  });

  it('answers 408 in the route dialect to a body that stalls below the minimum rate, and closes its connection', async () => {
    const oct = await receiver();
    const c = await connect(oct.port);
    const start = performance.now();
    c.socket.write('POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"a":"');
    // 50 bytes a second, under the 200 bytes per 400 ms asked.
    drip(c.socket, 'x'.repeat(1000), 20);
    const closedAt = await c.closed;
    const [head, body] = c.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      code: 4,
      message: 'the request body arrived slower than 200 bytes in 0.4 s; oct closed the connection',
    });
    expect(closedAt - start).toBeGreaterThanOrEqual(LIMITS.minBodyRate.windowMs - 50);
    expect(closedAt - start).toBeLessThan(3 * LIMITS.minBodyRate.windowMs + 1_000);
  });

  it('lets a body that keeps the minimum rate through, and closes one that outlasts the request timeout', async () => {
    const oct = await receiver();
    // 500 bytes every 100 ms: 2,000 bytes per window, well over the rate.
    const steady = await connect(oct.port);
    const head = (length: number) =>
      `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
    steady.socket.write(head(3_000));
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 100));
      steady.socket.write('x'.repeat(500));
    }
    await expect.poll(() => steady.received(), { timeout: 2_000 }).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n3000$/);

    const endless = await connect(oct.port);
    const start = performance.now();
    endless.socket.write(head(1_000_000));
    const timer = setInterval(() => endless.socket.write('x'.repeat(500)), 100);
    const closedAt = await endless.closed;
    clearInterval(timer);
    expect(endless.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAt - start).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 50);
    expect(closedAt - start).toBeLessThan(LIMITS.requestTimeoutMs + LIMITS.headersTimeoutMs + 1_500);
  });
});

describe('OCT_MAX_CONNECTIONS', () => {
  it('closes connections past the cap as they arrive, counts them on /healthz, and serves again once one closes', async () => {
    const oct = await startOct({ maxConnections: 5 });
    const port = Number(new URL(oct.url).port);
    const held = await Promise.all(Array.from({ length: 5 }, () => connect(port)));
    const extra = await Promise.all(Array.from({ length: 3 }, () => connect(port)));
    for (const c of extra) await c.closed;
    expect(extra.map((c) => c.received())).toEqual(['', '', '']);
    expect(oct.runtime.health().receiver.http_connections_refused).toBe(3);
    // The held ones still work.
    held[0].socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await expect.poll(() => held[0].received(), { timeout: 2_000 }).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(held[0].received().split('\r\n\r\n')[1])).toMatchObject({ receiver: { http_connections_refused: 3 } });
    held[1].socket.destroy();
    await held[1].closed;
    await expect.poll(async () => (await fetch(`${oct.url}/healthz`).catch(() => undefined))?.status, { timeout: 2_000 }).toBe(200);
  });

  it('keeps serving normal clients, at a latency within a tolerant bound, while 1,000 slow connections are open', async () => {
    const oct = await startOct();
    const port = Number(new URL(oct.url).port);
    const body = tracesRequest([chatSpan(1)]);
    const latencies = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        const res = await fetch(`${oct.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        out.push(performance.now() - start);
      }
      return out.sort((a, b) => a - b)[Math.floor(n / 2)];
    };
    const before = await latencies(30);
    // Half send part of their headers, half part of a body; none finishes.
    const slow = await Promise.all(Array.from({ length: 1_000 }, () => connect(port)));
    slow.forEach((c, i) =>
      c.socket.write(
        i % 2 === 0
          ? 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n'
          : 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{',
      ),
    );
    const during = await latencies(30);
    expect(slow.filter((c) => c.socket.destroyed)).toHaveLength(0);
    expect(oct.runtime.health().receiver.http_connections_refused).toBe(0);
    // Loaded machine: a generous bound, but a server stalled by the slow connections would miss it.
    expect(during).toBeLessThan(5 * before + 50);
  });
});
