import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../../src/model/events.js';
import { errorEvent, traceEvent } from '../factories.js';
import { waitFor } from '../helpers.js';
import { openExporter } from '../storage/sqlite/exporter-fixture.js';

const DAY = 86_400_000;

async function write(exporter: { export: (b: PipelineEvent[]) => Promise<unknown> }, events: PipelineEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50) await exporter.export(events.slice(i, i + 50));
}

describe('retention', () => {
  it('deletes traces and errors older than OCT_RETENTION_DAYS and keeps the rest', async () => {
    const now = Date.now();
    const { exporter, dbPath } = await openExporter({ retention: { retentionDays: 30, maxDbBytes: 0 }, retentionIntervalMs: 300 });
    await write(exporter, [
      ...Array.from({ length: 120 }, (_, i) => traceEvent({ start_time: now - 31 * DAY - i })),
      ...Array.from({ length: 80 }, (_, i) => traceEvent({ start_time: now - 29 * DAY - i })),
      ...Array.from({ length: 30 }, () => errorEvent({ occurred_at: now - 40 * DAY })),
      ...Array.from({ length: 20 }, () => errorEvent({ occurred_at: now - DAY })),
    ]);
    // Both counts: the two tables' deletes may reach the health report in different steps.
    await waitFor(
      () => exporter.storageHealth().retention?.deleted.traces === 120 && exporter.storageHealth().retention?.deleted.errors === 30,
      5_000,
      'the expired rows deleted',
    );
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM traces').pluck().get()).toBe(80);
    expect(db.prepare('SELECT min(start_time) FROM traces').pluck().get()).toBeGreaterThan(now - 30 * DAY);
    expect(db.prepare('SELECT count(*) FROM errors').pluck().get()).toBe(20);
    db.close();
  });

  it('keeps everything with OCT_RETENTION_DAYS=0', async () => {
    const { exporter, dbPath } = await openExporter({ retention: { retentionDays: 0, maxDbBytes: 0 }, retentionIntervalMs: 100 });
    await write(exporter, [traceEvent({ start_time: 0 }), errorEvent({ occurred_at: 0 })]);
    await waitFor(() => (exporter.storageHealth().retention?.passes ?? 0) >= 3, 5_000, 'three passes');
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT (SELECT count(*) FROM traces) + (SELECT count(*) FROM errors)').pluck().get()).toBe(2);
    db.close();
  });

  it('deletes in transactions of at most 2,000 rows while batches keep being written between them', async () => {
    const now = Date.now();
    // The pass starts with the exporter, so the expired rows are written by a first exporter and the pass runs in a second.
    const first = await openExporter({ retention: { retentionDays: 0, maxDbBytes: 0 } });
    await write(
      first.exporter,
      Array.from({ length: 6_000 }, (_, i) => traceEvent({ start_time: now - 40 * DAY + i })),
    );
    await first.exporter.shutdown();
    const { exporter, dbPath } = await openExporter({ dbPath: first.dbPath, retention: { retentionDays: 30, maxDbBytes: 0 } });
    // Batches handed over while the pass runs are committed between its transactions.
    const fresh = Array.from({ length: 20 }, () => Array.from({ length: 50 }, () => traceEvent({ start_time: now })));
    const results = await Promise.all(fresh.map((batch) => exporter.export(batch)));
    expect(results.every((r) => r.persisted === 50)).toBe(true);
    await waitFor(() => exporter.storageHealth().retention?.passes === 1, 10_000, 'the pass');
    const retention = exporter.storageHealth().retention!;
    expect(retention.deleted.traces).toBe(6_000);
    // 6 chunks of 1,000 traces plus the empty one that ends the phase, and the size phase's none.
    expect(retention.last_pass_transactions).toBeGreaterThanOrEqual(6);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM traces').pluck().get()).toBe(1_000);
    db.close();
  });

  it('holds OCT_MAX_DB_MB by deleting the oldest rows until the database is 10 % under it', async () => {
    const now = Date.now();
    const cap = 2 * 1024 * 1024;
    const { exporter, dbPath } = await openExporter({ retention: { retentionDays: 0, maxDbBytes: cap }, retentionIntervalMs: 60_000 });
    const text = 'x'.repeat(3_000);
    // About 8 MiB of recent rows: the cap holds whatever their age.
    await write(
      exporter,
      Array.from({ length: 2_500 }, (_, i) => traceEvent({ start_time: now - 2_500 + i, input_text: text, input_bytes: text.length })),
    );
    // Checked after writes at most once a second: a pass starts at the next check, not at the next 60 s pass.
    await new Promise((r) => setTimeout(r, 1_100));
    await write(exporter, [traceEvent({ start_time: now })]);
    const db = new Database(dbPath, { readonly: true });
    const leftNow = () => db.prepare('SELECT count(*) AS n, min(start_time) AS oldest FROM traces').get() as { n: number; oldest: number };
    // Under load a pass may start while the rows are still being written, and a second one after: wait for the last report.
    await waitFor(
      () => {
        const h = exporter.storageHealth();
        return (
          (h.retention?.deleted.traces ?? 0) > 0 && h.database_bytes! <= cap * 0.9 && leftNow().n + h.retention!.deleted.traces === 2_501
        );
      },
      15_000,
      `the database under the cap: ${JSON.stringify(exporter.storageHealth())}`,
    );
    const left = leftNow();
    const deleted = exporter.storageHealth().retention!.deleted.traces;
    // The oldest went first: what is left is the newest stretch.
    expect(left.oldest).toBe(now - 2_500 + deleted);
    expect(exporter.storageHealth().free_pages).toBeGreaterThan(0);
    db.close();
  });
});
