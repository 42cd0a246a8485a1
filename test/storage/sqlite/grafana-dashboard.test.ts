import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { errorEvent, traceEvent } from '../../factories.js';
import { openExporter } from './exporter-fixture.js';

interface Target {
  queryType: 'time series' | 'table';
  queryText: string;
  rawQueryText: string;
  timeColumns: string[];
}
interface Panel {
  title: string;
  targets: Target[];
}
const dashboard = JSON.parse(fs.readFileSync(new URL('../../../dashboards/grafana-sqlite.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
};

/** What Grafana puts in place of its global variables before the plugin sees the SQL (times in ms). */
function interpolate(sql: string, from: number, to: number, intervalMs: number): string {
  const out = sql.replaceAll('$__from', String(from)).replaceAll('$__to', String(to)).replaceAll('$__interval_ms', String(intervalMs));
  expect(out, 'a variable the test does not substitute').not.toMatch(/\$/);
  return out;
}

describe('the Grafana dashboard for frser-sqlite-datasource', () => {
  it('has the panels README promises, each query the same in both of its fields', () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      'Calls per model',
      'Tokens',
      'Cost per model',
      'Error rate',
      'Cost and calls in range',
      'p95 latency per model',
      'Latest errors',
    ]);
    for (const target of dashboard.panels.flatMap((p) => p.targets)) {
      expect(target.rawQueryText).toBe(target.queryText);
      expect(target.timeColumns).toEqual(target.queryType === 'time series' ? ['time'] : []);
    }
  });

  it('runs every panel against a real oct database, inside the time range, with times in epoch seconds', async () => {
    const { exporter, dbPath } = await openExporter();
    const to = Date.now();
    const from = to - 6 * 3_600_000;
    const events = [
      traceEvent({ model: 'gpt-4o', start_time: to - 3_600_000, duration_ms: 100, cost_usd: 0.25 }),
      traceEvent({ model: 'gpt-4o', start_time: to - 3_500_000, duration_ms: 300, status: 'error', cost_usd: 0.25 }),
      traceEvent({ model: 'claude', request_model: 'claude', start_time: to - 60_000, duration_ms: 50, cost_usd: null }),
      // Outside the range: must not show.
      traceEvent({ model: 'old', request_model: 'old', start_time: from - 3_600_000, cost_usd: 9 }),
      errorEvent({ service_name: 'svc', message: 'rate limited', occurred_at: to - 1_000 }),
      errorEvent({ service_name: 'svc', message: 'too old', occurred_at: from - 1_000 }),
    ];
    await exporter.export(events);
    await exporter.shutdown();

    const db = new Database(dbPath, { readonly: true });
    const results = Object.fromEntries(
      dashboard.panels.map((panel) => {
        const [target] = panel.targets;
        return [panel.title, db.prepare(interpolate(target.queryText, from, to, 1_800_000)).all() as Record<string, unknown>[]];
      }),
    );
    // Dashboards refresh every 30 s on a growing table: each panel must search a time index, never scan.
    for (const panel of dashboard.panels) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${interpolate(panel.targets[0].queryText, from, to, 1_800_000)}`).all() as {
        detail: string;
      }[];
      const details = plan.map((p) => p.detail).join('\n');
      expect(details, panel.title).toMatch(/SEARCH (traces|errors) USING INDEX (traces_start_time|errors_occurred_at)/);
      expect(details, panel.title).not.toMatch(/SCAN (traces|errors)\b/);
    }
    db.close();

    for (const title of ['Calls per model', 'Tokens', 'Cost per model', 'Error rate']) {
      expect(results[title].length, title).toBeGreaterThan(0);
      for (const row of results[title]) {
        expect(row.time, title).toBeGreaterThanOrEqual(Math.floor(from / 1000) - 1_800);
        expect(row.time, title).toBeLessThanOrEqual(Math.ceil(to / 1000));
      }
    }
    const total = (title: string, key: string) => results[title].reduce((n, r) => n + ((r[key] as number | null) ?? 0), 0);
    expect(total('Calls per model', 'calls')).toBe(3);
    expect(new Set(results['Calls per model'].map((r) => r.model))).toEqual(new Set(['gpt-4o', 'claude']));
    expect(total('Cost per model', 'cost_usd')).toBeCloseTo(0.5, 12);
    expect(Math.max(...results['Error rate'].map((r) => r.error_rate as number))).toBeGreaterThanOrEqual(50);
    expect(results['Cost and calls in range']).toEqual([{ cost_usd: 0.5, calls: 3, calls_without_cost: 1 }]);
    expect(results['p95 latency per model']).toEqual([
      { model: 'gpt-4o', calls: 2, p95_ms: 300 },
      { model: 'claude', calls: 1, p95_ms: 50 },
    ]);
    expect(results['Latest errors']).toEqual([expect.objectContaining({ service_name: 'svc', message: 'rate limited' })]);
    expect(results['Latest errors'][0].occurred).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
