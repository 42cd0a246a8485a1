import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { errorEvent, traceEvent } from '../../factories.js';
import { openExporter } from './exporter-fixture.js';

const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const queries = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);

/** A database with two models' calls (one failed call requested as gpt-4o, answered by nobody), an agent span and two errors. */
async function database() {
  const { exporter, dbPath } = await openExporter();
  const now = Date.now();
  const events = [];
  for (let i = 1; i <= 20; i++) {
    events.push(
      traceEvent({ model: 'gpt-4o-2024-08-06', request_model: 'gpt-4o', start_time: now - 1000, duration_ms: i * 10, cost_usd: 0.001 }),
    );
  }
  events.push(traceEvent({ model: 'gpt-4o', request_model: 'gpt-4o', status: 'error', start_time: now - 900, duration_ms: 1000 }));
  events.push(
    traceEvent({
      model: 'claude',
      request_model: 'claude',
      start_time: now - 2000,
      duration_ms: 7,
      cost_usd: 0.5,
      cost_source: 'price_table',
    }),
  );
  events.push(traceEvent({ model: 'gpt-4o', kind: 'agent', is_aggregate: 1, start_time: now - 2000, input_tokens: 999 }));
  events.push(errorEvent({ service_name: 'svc-a', occurred_at: now }), errorEvent({ service_name: 'svc-a', occurred_at: now }));
  await exporter.export(events);
  await exporter.shutdown();
  return new Database(dbPath, { readonly: true });
}

describe('README dashboard queries', () => {
  it('run against a real oct database, count model calls once and group by the requested model', async () => {
    expect(queries.length).toBe(4);
    const db = await database();
    const [tokens, costs, errors, p95] = queries.map((sql) => db.prepare(sql).all() as Record<string, unknown>[]);
    db.close();
    const day = expect.stringMatching(/^\d{4}-\d\d-\d\d$/) as unknown;
    // A call near an hour boundary may fall in the previous hour: compare per model over the hours.
    const byModel = (rows: Record<string, unknown>[], key: string) =>
      Object.fromEntries(
        ['claude', 'gpt-4o'].map((m) => [m, rows.filter((r) => r.model === m).reduce((n, r) => n + (r[key] as number), 0)]),
      );
    for (const r of tokens) expect(r.hour).toMatch(/^\d{4}-\d\d-\d\d \d\d:00$/);
    expect(byModel(tokens, 'calls')).toEqual({ claude: 1, 'gpt-4o': 21 });
    expect(byModel(tokens, 'input_tokens')).toEqual({ claude: 10, 'gpt-4o': 210 });
    for (const r of costs) expect(r.day).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(byModel(costs, 'cost_usd')).toEqual({ claude: 0.5, 'gpt-4o': 0.02 });
    expect(byModel(costs, 'priced_by_oct')).toEqual({ claude: 0.5, 'gpt-4o': 0 });
    expect(byModel(costs, 'calls_without_cost')).toEqual({ claude: 0, 'gpt-4o': 1 });
    expect(errors).toEqual([{ day, service: 'svc-a', errors: 2 }]);
    expect(p95).toEqual([
      { model: 'gpt-4o', calls: 21, p95_ms: 200 },
      { model: 'claude', calls: 1, p95_ms: 7 },
    ]);
  });
});
