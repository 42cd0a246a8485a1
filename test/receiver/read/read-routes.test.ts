import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';
import { OCT_ENGINES } from '../../oct-engines.js';
import { post } from '../native/native-fixture.js';

interface Page {
  items: { trace_id: string; model: string; status: string; input_text: string | null; attributes: unknown }[];
  next: string | null;
}

async function get<T>(url: string): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

const DAY = 86_400_000;
/** Today's UTC midnight: recent enough for retention, and one day bucket for all three calls. */
const T0 = Math.floor(Date.now() / DAY) * DAY;

const CALLS = [
  { model: 'gpt-4o', service_name: 'billing', input: 'first', start_time: T0 + 1_000, duration_ms: 10, input_tokens: 5, output_tokens: 1 },
  { model: 'claude-3-5-sonnet', service_name: 'search', start_time: T0 + 2_000, duration_ms: 20, metadata: { route: '/q' } },
  {
    model: 'gpt-4o',
    service_name: 'billing',
    start_time: T0 + 3_000,
    duration_ms: 30,
    status: 'error',
    status_message: 'Rate limit reached',
  },
];

// Commit acknowledgements: once a POST is answered, its rows can be read.
describe.each(OCT_ENGINES)('the read API over HTTP on $name', (engine) => {
  async function octWithCalls() {
    const oct = await engine.start({ ack: 'commit' });
    const posted = await post(oct.url, '/api/v1/traces', CALLS);
    expect(posted.status).toBe(202);
    return { ...oct, traceIds: posted.body.trace_ids };
  }

  it('lists calls newest first, filters them and pages by cursor', async () => {
    const { url, traceIds } = await octWithCalls();
    const all = await get<Page>(`${url}/api/v1/traces?since=0`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((i) => i.trace_id)).toEqual([...traceIds].reverse());
    expect(all.body.items[1].attributes).toEqual({ route: '/q' });

    const gpt = await get<Page>(`${url}/api/v1/traces?since=0&model=gpt-4o`);
    expect(gpt.body.items.map((i) => i.trace_id)).toEqual([traceIds[2], traceIds[0]]);

    const first = await get<Page>(`${url}/api/v1/traces?since=0&limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next).not.toBeNull();
    const rest = await get<Page>(`${url}/api/v1/traces?since=0&limit=2&cursor=${first.body.next}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ trace_id: traceIds[0], input_text: 'first' })], next: null });
  });

  it('answers one call with its errors, and 404 for an unknown id', async () => {
    const { url, traceIds } = await octWithCalls();
    const detail = await get<{ trace: { trace_id: string }; errors: { message: string; llm_trace_id: string }[] }>(
      `${url}/api/v1/traces/${traceIds[2]}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.trace.trace_id).toBe(traceIds[2]);
    expect(detail.body.errors).toEqual([expect.objectContaining({ message: 'Rate limit reached', llm_trace_id: traceIds[2] })]);

    const unknown = await get<{ error: string }>(`${url}/api/v1/traces/00000000-0000-4000-8000-000000000000`);
    expect(unknown).toMatchObject({ status: 404, body: { error: "no trace with trace_id '00000000-0000-4000-8000-000000000000'" } });
  });

  it('lists errors and computes stats over model calls', async () => {
    const { url } = await octWithCalls();
    const errors = await get<Page>(`${url}/api/v1/errors?since=0`);
    expect(errors.body.items).toHaveLength(1);

    const stats = await get<{ rows: { calls: number; errors: number; input_tokens: number | null }[] }>(
      `${url}/api/v1/stats?since=${T0}&until=${T0 + DAY}&bucket=day`,
    );
    expect(stats.status).toBe(200);
    expect(stats.body.rows).toEqual([expect.objectContaining({ calls: 3, errors: 1, input_tokens: 5 })]);
  });

  it('answers a bad parameter with 400 naming it, and counts the failure', async () => {
    const { url } = await engine.start();
    const bad = await get<{ error: string }>(`${url}/api/v1/traces?limit=5000`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^limit: /);
    const unknown = await get<{ error: string }>(`${url}/api/v1/traces?modle=x`);
    expect(unknown).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^modle: unknown parameter/) as string } });
    const health = await get<{ receiver: { read_requests_failed: number } }>(`${url}/healthz`);
    expect(health.body.receiver.read_requests_failed).toBe(2);
  });
});

describe('the read API routes', () => {
  it('serves GET beside POST on the same path, and 405 for other methods', async () => {
    const { url } = await startOct();
    const res = await fetch(`${url}/api/v1/stats`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const traces = await fetch(`${url}/api/v1/traces`, { method: 'PUT' });
    expect(traces.headers.get('allow')).toBe('POST, GET, HEAD');
  });

  it('is off when oct listens beyond loopback, since it would serve prompts to anyone', async () => {
    const { url } = await startOct({ host: '0.0.0.0' });
    const res = await fetch(`http://127.0.0.1:${new URL(url).port}/api/v1/stats`);
    expect(res.status).toBe(404);
  });
});
