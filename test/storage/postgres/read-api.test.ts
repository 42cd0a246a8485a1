import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../src/query/cursor.js';
import { chatSpan, post, tracesRequest } from '../../logs-fixture.js';
import { startOctProcess, type OctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

interface Page {
  items: { trace_id: string; otel_span_id: string; model: string; service_name: string; input_tokens: number; attributes: unknown }[];
  next: string | null;
}

let oct: OctProcess;
beforeAll(async () => {
  // Commit acknowledgements: once OTLP answers 200, the rows are there to read.
  oct = await startOctProcess(await pgServer().createDatabase(), { OCT_ACK: 'commit' });
}, 60_000);
afterAll(async () => {
  await oct.stop();
});

const get = async (path: string) => {
  const res = await fetch(`${oct.url}${path}`);
  return { status: res.status, body: (await res.json()) as Page & { error?: string } };
};

describe('an oct process on PostgreSQL', () => {
  it('serves the read API over the rows it wrote from OTLP, paging by cursor', async () => {
    expect((await post(oct.url, '/v1/traces', tracesRequest([1, 2, 3].map((s) => chatSpan(s))))).status).toBe(200);
    const all = await get('/api/v1/traces?since=0');
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    expect(all.body.items[0]).toMatchObject({ model: 'gpt-4o-mini', service_name: 'weather-bot', input_tokens: 12 });
    expect(typeof all.body.items[0].attributes).toBe('object');
    const first = await get('/api/v1/traces?since=0&limit=2');
    const rest = await get(`/api/v1/traces?since=0&limit=2&cursor=${first.body.next}`);
    expect([...first.body.items, ...rest.body.items].map((i) => i.trace_id)).toEqual(all.body.items.map((i) => i.trace_id));
    expect(rest.body.next).toBeNull();
    expect(oct.output()).not.toMatch(/read API off/);
  });

  it('refuses a cursor of a SQLite page with the same 400 as any bad cursor', async () => {
    const sqliteCursor = encodeCursor('traces', { time: Date.now(), key: 42 });
    const bad = await get(`/api/v1/traces?cursor=${sqliteCursor}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^cursor: expected the `next` value/);
  });
});
