import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { errorEvent, traceEvent } from '../../factories.js';
import { openExporter } from './exporter-fixture.js';

const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const queries = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README dashboard queries', () => {
  it('run against a real oct database and return the expected shapes', async () => {
    expect(queries.length).toBeGreaterThanOrEqual(3);
    const { exporter, dbPath } = await openExporter();
    const now = Date.now();
    const events = [];
    for (let i = 1; i <= 20; i++) events.push(traceEvent({ model: 'gpt-4o', start_time: now - 1000, duration_ms: i * 10 }));
    events.push(traceEvent({ model: 'claude', start_time: now - 2000, duration_ms: 7 }));
    events.push(errorEvent({ service_name: 'svc-a', occurred_at: now }), errorEvent({ service_name: 'svc-a', occurred_at: now }));
    await exporter.export(events);
    await exporter.shutdown();

    const db = new Database(dbPath, { readonly: true });
    const [tokens, errors, p95] = queries.map((sql) => db.prepare(sql).all() as Record<string, unknown>[]);
    db.close();
    expect(tokens.reduce((n, r) => n + (r.calls as number), 0)).toBe(21);
    expect(errors).toEqual([{ day: expect.any(String) as string, service: 'svc-a', errors: 2 }]);
    expect(p95).toEqual([
      { model: 'gpt-4o', calls: 20, p95_ms: 190 },
      { model: 'claude', calls: 1, p95_ms: 7 },
    ]);
  });
});
