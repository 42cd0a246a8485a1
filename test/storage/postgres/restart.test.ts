import { describe, expect, it } from 'vitest';
import { chatSpan, post, tracesRequest } from '../../logs-fixture.js';
import { waitFor } from '../../helpers.js';
import { pgClient } from '../engines.js';
import { drained, startOctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

describe('PostgreSQL stopped and restarted under load', () => {
  it('answers 503 while the queue is full, says not writable, and stores every acknowledged span once it is back', async () => {
    const server = pgServer();
    const url = await server.createDatabase();
    // A small queue and no admission wait, so the outage fills it quickly.
    const oct = await startOctProcess(url, { OCT_QUEUE_CAPACITY: '200', OCT_ADMISSION_WAIT_MS: '0', OCT_BATCH_TIMEOUT_MS: '20' });
    try {
      const acknowledged = new Set<string>();
      const statuses = new Map<number, number>();
      let sending = true;
      let request = 0;
      const client = async () => {
        while (sending) {
          const traceId = hex(++request, 32);
          const answer = await post(
            oct.url,
            '/v1/traces',
            tracesRequest(Array.from({ length: 10 }, (_, s) => chatSpan(s + 1, { traceId }))),
          );
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 200) for (let s = 1; s <= 10; s++) acknowledged.add(`${traceId}/${hex(s, 16)}`);
          else expect(answer.status).toBe(503);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      const clients = Promise.all([client(), client()]);
      await waitFor(() => acknowledged.size >= 200, 10_000, 'load before the outage');

      await server.stop();
      await waitFor(() => (statuses.get(503) ?? 0) >= 3, 15_000, '503s while PostgreSQL is down');
      const down = await oct.health();
      expect(down.storage).toMatchObject({ engine: 'postgres', writable: false });
      expect(down.storage.error).toBeTruthy();
      const acknowledgedWhileDown = acknowledged.size;

      await server.start();
      for (const deadline = performance.now() + 15_000; !(await oct.health()).storage.writable;) {
        expect(performance.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor(() => acknowledged.size >= acknowledgedWhileDown + 200, 10_000, 'load after the outage');
      sending = false;
      await clients;

      const [health] = await drained([oct]);
      const db = await pgClient(url);
      const { rows } = await db.query<{ otel_trace_id: string; otel_span_id: string }>('SELECT otel_trace_id, otel_span_id FROM traces');
      expect(rows.length).toBe(acknowledged.size);
      expect(new Set(rows.map((r) => `${r.otel_trace_id}/${r.otel_span_id}`))).toEqual(acknowledged);
      // A commit whose answer the outage swallowed is written again and counted as a duplicate.
      expect(health.pipeline.failed).toBe(0);
      expect(health.pipeline.persisted + health.pipeline.duplicates).toBeGreaterThanOrEqual(acknowledged.size);
      expect(health.storage.retries).toBeGreaterThan(0);
      expect(oct.output()).toMatch(/PostgreSQL is not writable .*retrying the batch/);
      expect(oct.output()).toMatch(/PostgreSQL is writable again after \d+ ms/);
    } finally {
      await oct.stop();
    }
  });
});
