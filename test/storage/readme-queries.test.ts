import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../../src/model/events.js';
import { errorEvent, traceEvent } from '../factories.js';
import { postgres, sqlite, type Engine } from './engines.js';

const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = (fence: string) => [...readme.matchAll(new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);
// The PostgreSQL examples that use Grafana's macros ($__from, $__to) run only inside Grafana.
const QUERIES = { SQLite: blocks('sql'), PostgreSQL: blocks('pgsql').filter((sql) => !sql.includes('$__')) };

/** Two models' calls (one failed call requested as gpt-4o, answered by nobody), an agent span and two errors. */
function events(now: number): PipelineEvent[] {
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
  events.push(errorEvent({ service_name: 'svc-old', occurred_at: now - 2 * 86_400_000 }));
  return events;
}

describe.each<Engine>([sqlite, postgres])('README dashboard queries on $name', (engine) => {
  it('run against a real oct database, count model calls once and group by the requested model', async () => {
    const queries = QUERIES[engine.name as keyof typeof QUERIES];
    expect(queries.length).toBe(4);
    const { exporter, query } = await engine.open();
    await exporter.export(events(Date.now()));
    const results = [];
    for (const sql of queries) results.push(await query(sql));
    const [tokens, costs, errors, p95] = results;
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
    // SQLite's example counts 30 days from the table, PostgreSQL's the last day from errors_recent.
    expect(errors).toEqual(
      engine === sqlite
        ? [
            { day, service: 'svc-old', errors: 1 },
            { day, service: 'svc-a', errors: 2 },
          ]
        : [{ day, service: 'svc-a', errors: 2 }],
    );
    expect(p95).toEqual([
      { model: 'gpt-4o', calls: 21, p95_ms: 200 },
      { model: 'claude', calls: 1, p95_ms: 7 },
    ]);
  });
});

describe('the views', () => {
  it('read the same rows, columns and values on SQLite and PostgreSQL', async () => {
    const now = Date.now();
    const batch = events(now);
    const read = async (engine: Engine) => {
      const { exporter, query } = await engine.open();
      await exporter.export(batch);
      return {
        calls: await query('SELECT * FROM llm_calls ORDER BY trace_id'),
        errors: await query('SELECT * FROM errors_recent ORDER BY trace_id'),
      };
    };
    const [onSqlite, onPostgres] = [await read(sqlite), await read(postgres)];
    expect(onSqlite.calls).toHaveLength(22);
    expect(onSqlite.errors).toHaveLength(2);
    expect(Object.keys(onPostgres.calls[0])).toEqual(Object.keys(onSqlite.calls[0]));
    expect(Object.keys(onPostgres.errors[0])).toEqual(Object.keys(onSqlite.errors[0]));
    expect(onPostgres).toEqual(onSqlite);
    expect(onSqlite.calls[0].start_time_iso).toBe(new Date(onSqlite.calls[0].start_time as number).toISOString());
  });
});
