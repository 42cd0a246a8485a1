import { describe, expect, it } from 'vitest';
import { parseStatsParams } from '../../src/query/params.js';
import { ENGINES, trace } from './fixture.js';

const DAY0 = Date.UTC(2026, 0, 30);
const H = 3_600_000;

describe.each(ENGINES)('stats on $name', (engine) => {
  const rows = [
    // Hour 0: ten gpt-4o calls asked for as "gpt-4o" (one answered by a dated model), latencies 10..100.
    ...Array.from({ length: 10 }, (_, i) =>
      trace({
        start_time: DAY0 + i * 1000,
        request_model: 'gpt-4o',
        model: i === 0 ? 'gpt-4o-2024-08-06' : 'gpt-4o',
        duration_ms: (i + 1) * 10,
        input_tokens: 100,
        output_tokens: 10,
        cache_read_tokens: i === 0 ? 50 : null,
        cache_write_tokens: null,
        cost_usd: 0.5,
        status: i < 2 ? 'error' : 'ok',
      }),
    ),
    trace({ start_time: DAY0 + 5, request_model: 'claude', model: 'claude', kind: 'embedding', duration_ms: null, cost_usd: null }),
    // Not model calls, or repeating their children's usage: never counted.
    trace({ start_time: DAY0 + 6, kind: 'agent', input_tokens: 999 }),
    trace({ start_time: DAY0 + 7, kind: 'llm', is_aggregate: 1, input_tokens: 999 }),
    trace({ start_time: DAY0 + 8, kind: 'tool', input_tokens: 999 }),
    // Hour 2, and the next day.
    trace({ start_time: DAY0 + 2 * H + 1, request_model: 'gpt-4o', duration_ms: 7, input_tokens: 1, output_tokens: 1 }),
    trace({ start_time: DAY0 + 24 * H, request_model: 'gpt-4o', duration_ms: 3, input_tokens: 1, output_tokens: 1 }),
  ];
  const stats = async (query: Record<string, string>) => (await engine.open(rows)).stats(parseStatsParams(query, DAY0 + 48 * H));

  it('gives totals and nearest-rank p50/p95 per UTC hour and requested model, over model calls only', async () => {
    const result = await stats({ since: String(DAY0), until: String(DAY0 + 24 * H), group: 'model' });
    expect(result).toMatchObject({ since: DAY0, until: DAY0 + 24 * H, bucket: 'hour', group: 'model' });
    expect(result.rows).toEqual([
      {
        bucket_start: DAY0,
        group: 'claude',
        calls: 1,
        errors: 0,
        input_tokens: 10,
        output_tokens: 2,
        cache_read_tokens: null,
        cache_write_tokens: null,
        cost_usd: null,
        p50_ms: null,
        p95_ms: null,
      },
      {
        bucket_start: DAY0,
        group: 'gpt-4o',
        calls: 10,
        errors: 2,
        input_tokens: 1000,
        output_tokens: 100,
        cache_read_tokens: 50,
        cache_write_tokens: null,
        cost_usd: 5,
        p50_ms: 50,
        p95_ms: 100,
      },
      expect.objectContaining({ bucket_start: DAY0 + 2 * H, group: 'gpt-4o', calls: 1, p50_ms: 7, p95_ms: 7 }),
    ]);
  });

  it('buckets by UTC day, ungrouped or by service and provider', async () => {
    const byDay = await stats({ bucket: 'day', since: String(DAY0), until: String(DAY0 + 48 * H) });
    expect(byDay.rows.map((r) => [r.bucket_start, r.group, r.calls])).toEqual([
      [DAY0, null, 12],
      [DAY0 + 24 * H, null, 1],
    ]);
    expect((await stats({ bucket: 'day', since: String(DAY0), group: 'service' })).rows[0]).toMatchObject({ group: 'test-svc', calls: 12 });
    expect((await stats({ bucket: 'day', since: String(DAY0), group: 'provider' })).rows[0]).toMatchObject({ group: 'openai', calls: 12 });
  });

  it("with bucket=all, gives the whole window as one bucket, so p95 is the window's and not a bucket's", async () => {
    // gpt-4o latencies in the window: 10..100 (hour 0), 7 (hour 2), 3 (next day): 12 values, the 6th and 12th by rank.
    const result = await stats({ bucket: 'all', since: String(DAY0), until: String(DAY0 + 48 * H), group: 'model' });
    expect(result.rows).toEqual([
      expect.objectContaining({ bucket_start: DAY0, group: 'claude', calls: 1 }),
      expect.objectContaining({ bucket_start: DAY0, group: 'gpt-4o', calls: 12, errors: 2, input_tokens: 1002, p50_ms: 40, p95_ms: 100 }),
    ]);
    const ungrouped = (await stats({ bucket: 'all', since: String(DAY0 + H), until: String(DAY0 + 48 * H) })).rows;
    expect(ungrouped).toEqual([expect.objectContaining({ bucket_start: DAY0 + H, group: null, calls: 2, p50_ms: 3, p95_ms: 7 })]);
  });
});
