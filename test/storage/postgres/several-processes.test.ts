import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONVERSATION,
  CONVERSATION_INPUT,
  CONVERSATION_OUTPUT,
  chatSpan,
  logRecord,
  logsRequest,
  post,
  tracesRequest,
} from '../../logs-fixture.js';
import { pgClient } from '../engines.js';
import { drained, startOctProcess, type OctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

// Three oct processes on one PostgreSQL database, as behind a load balancer. Short batch timeouts
// make their transactions overlap as much as possible.
const FAST = { OCT_BATCH_TIMEOUT_MS: '20' };

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

let url: string;
let octs: OctProcess[];
beforeAll(async () => {
  url = await pgServer().createDatabase();
  octs = await Promise.all([0, 1, 2].map(() => startOctProcess(url, FAST)));
}, 60_000);
afterAll(async () => {
  await Promise.all(octs.map((o) => o.stop()));
});

async function rows(sql: string) {
  const client = await pgClient(url);
  return (await client.query(sql)).rows as Record<string, unknown>[];
}

/** The three processes' pipeline counters, summed, once all have drained. */
async function totals() {
  const healths = await drained(octs);
  const sum = (key: 'persisted' | 'duplicates' | 'failed') => healths.reduce((n, h) => n + h.pipeline[key], 0);
  return { persisted: sum('persisted'), duplicates: sum('duplicates'), failed: sum('failed') };
}

describe('several oct processes on one PostgreSQL database', () => {
  it('stores every acknowledged span exactly once under load, retries re-sent to another process included', async () => {
    const before = await totals();
    const acknowledged = new Set<string>();
    // 6 clients × 15 requests × 20 spans; every third request is re-sent to the next process, as a retry after a lost answer.
    await Promise.all(
      Array.from({ length: 6 }, async (_, client) => {
        for (let r = 0; r < 15; r++) {
          const traceId = hex(client * 1000 + r + 1, 32);
          const spans = Array.from({ length: 20 }, (_, s) => chatSpan(s + 1, { traceId }));
          const targets = r % 3 === 0 ? [octs[(client + r) % 3], octs[(client + r + 1) % 3]] : [octs[(client + r) % 3]];
          const answers = await Promise.all(targets.map((o) => post(o.url, '/v1/traces', tracesRequest(spans))));
          for (const answer of answers) expect(answer.status).toBe(200);
          for (let s = 1; s <= 20; s++) acknowledged.add(`${traceId}/${hex(s, 16)}`);
        }
      }),
    );
    const after = await totals();
    const stored = await rows(`SELECT otel_trace_id, otel_span_id FROM traces WHERE otel_trace_id LIKE '0000000000000000000000000000%'`);
    expect(stored.length).toBe(acknowledged.size);
    expect(new Set(stored.map((r) => `${String(r.otel_trace_id)}/${String(r.otel_span_id)}`))).toEqual(acknowledged);
    expect({
      persisted: after.persisted - before.persisted,
      duplicates: after.duplicates - before.duplicates,
      failed: after.failed - before.failed,
    }).toEqual({ persisted: acknowledged.size, duplicates: 6 * 5 * 20, failed: 0 });
  });

  it('stores a span sent to all three at once as one row', async () => {
    const before = await totals();
    const traceId = 'a'.repeat(32);
    const body = tracesRequest([chatSpan(1, { traceId }), chatSpan(2, { traceId })]);
    const answers = await Promise.all(octs.map((o) => post(o.url, '/v1/traces', body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const after = await totals();
    expect(await rows(`SELECT count(*)::int AS n FROM traces WHERE otel_trace_id = '${traceId}'`)).toEqual([{ n: 2 }]);
    expect(after.duplicates - before.duplicates).toBe(4);
    expect(after.persisted - before.persisted).toBe(2);
  });

  it('joins a span and its content log records that arrive at different processes, whichever commits first', async () => {
    const spans = 40;
    const [system, user, choice] = CONVERSATION;
    await Promise.all(
      Array.from({ length: spans }, async (_, i) => {
        const traceId = `b${hex(i + 1, 31)}`;
        const at = (n: number) => octs[(i + n) % 3].url;
        const answers = await Promise.all([
          post(at(0), '/v1/traces', tracesRequest([chatSpan(1, { traceId })])),
          post(at(1), '/v1/logs', logsRequest([logRecord({ ...system, traceId }), logRecord({ ...user, traceId })])),
          post(at(2), '/v1/logs', logsRequest([logRecord({ ...choice, traceId })])),
        ]);
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      }),
    );
    await drained(octs);
    const stored = await rows(`SELECT input_text, output_text FROM traces WHERE otel_trace_id LIKE 'b%'`);
    expect(stored.length).toBe(spans);
    for (const row of stored) expect(row).toEqual({ input_text: CONVERSATION_INPUT, output_text: CONVERSATION_OUTPUT });
    expect(await rows('SELECT count(*)::int AS n FROM pending_content WHERE NOT joined')).toEqual([{ n: 0 }]);
  });

  it('marks a call traced twice when its parent and child spans arrive at different processes at once', async () => {
    const pairs = 40;
    await Promise.all(
      Array.from({ length: pairs }, async (_, i) => {
        const traceId = `c${hex(i + 1, 31)}`;
        // The same call, once by an instrumentation library (span 1) and once by the provider SDK beneath it (span 2).
        const parent = chatSpan(1, { traceId });
        const child = chatSpan(2, { traceId, parentSpanId: hex(1, 16) });
        const answers = await Promise.all([
          post(octs[i % 3].url, '/v1/traces', tracesRequest([parent])),
          post(octs[(i + 1) % 3].url, '/v1/traces', tracesRequest([child])),
        ]);
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
      }),
    );
    await drained(octs);
    const marked = await rows(
      `SELECT otel_span_id, count(*)::int AS n, sum(is_aggregate)::int AS aggregate FROM traces WHERE otel_trace_id LIKE 'c%' GROUP BY 1 ORDER BY 1`,
    );
    expect(marked).toEqual([
      { otel_span_id: hex(1, 16), n: pairs, aggregate: pairs },
      { otel_span_id: hex(2, 16), n: pairs, aggregate: 0 },
    ]);
  });
});
