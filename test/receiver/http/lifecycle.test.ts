import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { HttpReceiver } from '../../../src/receiver/http-receiver.js';
import { InflightBudget } from '../../../src/receiver/inflight-budget.js';
import { otlpErrors } from '../../../src/receiver/otlp/otlp-route.js';
import { newReceiverStats } from '../../../src/receiver/receiver-stats.js';
import { RejectionLog } from '../../../src/receiver/rejection-log.js';

const logger = createLogger('silent');

const receiver = () =>
  new HttpReceiver({
    host: '127.0.0.1',
    port: 0,
    routes: [],
    defaultErrors: otlpErrors(),
    health: () => ({ status: 'ok' }),
    budget: new InflightBudget(1024 * 1024),
    readiness: () => ({ ready: true }),
    closeTimeoutMs: 1_000,
    maxConnections: 100,
    connectionRefused: () => {},
    keys: undefined,
    hostAllowed: undefined,
    corsOrigins: [],
    tls: undefined,
    stats: newReceiverStats(),
    logger,
    rejections: new RejectionLog(logger),
  });

describe('the HTTP receiver as a component', () => {
  it('shuts down without having started, and every shutdown returns the same promise', async () => {
    const r = receiver();
    const first = r.shutdown();
    expect(r.shutdown()).toBe(first);
    await expect(first).resolves.toBeUndefined();
    expect(() => r.address()).toThrow('the HTTP receiver is not listening');
  });

  it('listens on a free loopback port, answers, and stops accepting connections after shutdown', async () => {
    const r = receiver();
    await r.start();
    const url = `http://127.0.0.1:${r.address().port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await r.shutdown();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
