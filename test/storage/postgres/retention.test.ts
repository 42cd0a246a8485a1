import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { PipelineEvent } from '../../../src/model/events.js';
import type { RetentionOptions } from '../../../src/storage/retention-policy.js';
import { PostgresExporter } from '../../../dist/storage/postgres/postgres-exporter.js';
import { RETENTION_LOCK } from '../../../dist/storage/postgres/retention.js';
import { errorEvent, traceEvent } from '../../factories.js';
import { pgClient } from '../engines.js';
import { startOctProcess } from './oct-process.js';
import { pgServer } from './setup.js';

const DAY = 86_400_000;

const exporters: PostgresExporter[] = [];
async function openExporter(url: string, retention: RetentionOptions, retentionIntervalMs = 60_000) {
  const exporter = new PostgresExporter(
    { url, maxTextBytes: 65_536, pendingContentTtlS: 600, retention, retentionIntervalMs },
    createLogger('silent'),
  );
  exporters.push(exporter);
  await exporter.start();
  return exporter;
}

async function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function write(exporter: PostgresExporter, events: PipelineEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50) await exporter.export(events.slice(i, i + 50));
}

/** A migrated database (oct's schema, no rows) and a client on it. */
async function database(): Promise<{ url: string; db: pg.Client }> {
  const url = await pgServer().createDatabase();
  const exporter = await openExporter(url, { retentionDays: 0, maxDbBytes: 0 });
  await exporter.shutdown();
  return { url, db: await pgClient(url) };
}

/** `n` traces rows straight into the table, one ms apart from `from` on. */
async function fill(db: pg.Client, n: number, from: number): Promise<void> {
  await db.query(
    `INSERT INTO traces (trace_id, source, convention, kind, operation, status, model, start_time)
     SELECT gen_random_uuid()::text, 'native', 'native', 'llm', 'chat', 'ok', 'gpt-4o', $1::bigint + i FROM generate_series(0, $2::int - 1) AS i`,
    [from, n],
  );
}

/** Records every delete statement on both tables: the backend, its transaction and the rows. */
async function logDeletes(db: pg.Client): Promise<() => Promise<{ pid: number; tx: string; n: number }[]>> {
  await db.query(`
    CREATE TABLE delete_log (pid INT, tx BIGINT, n INT);
    CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO delete_log SELECT pg_backend_pid(), txid_current(), count(*) FROM gone HAVING count(*) > 0; RETURN NULL; END $$;
    CREATE TRIGGER traces_deletes AFTER DELETE ON traces REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION log_delete();
    CREATE TRIGGER errors_deletes AFTER DELETE ON errors REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION log_delete();`);
  return async () => (await db.query<{ pid: number; tx: string; n: number }>('SELECT pid, tx, n FROM delete_log')).rows;
}

const count = async (db: pg.Client, table: string) => (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;

describe('retention on PostgreSQL', () => {
  it('deletes traces and errors older than OCT_RETENTION_DAYS and keeps the rest', async () => {
    const now = Date.now();
    const { url, db } = await database();
    const exporter = await openExporter(url, { retentionDays: 30, maxDbBytes: 0 }, 200);
    await write(exporter, [
      ...Array.from({ length: 120 }, (_, i) => traceEvent({ start_time: now - 31 * DAY - i })),
      ...Array.from({ length: 80 }, (_, i) => traceEvent({ start_time: now - 29 * DAY - i })),
      ...Array.from({ length: 30 }, () => errorEvent({ occurred_at: now - 40 * DAY })),
      ...Array.from({ length: 20 }, () => errorEvent({ occurred_at: now - DAY })),
    ]);
    await until(
      () => {
        const { deleted } = exporter.storageState().retention;
        return deleted.traces === 120 && deleted.errors === 30;
      },
      10_000,
      'the expired rows deleted',
    );
    expect(await count(db, 'traces')).toBe(80);
    expect(await count(db, 'errors')).toBe(20);
    const { retention, database_bytes } = exporter.storageState();
    expect(retention).toMatchObject({ deleted: { traces: 120, errors: 30 }, last_error: null, skipped: 0 });
    expect(retention.passes).toBeGreaterThan(0);
    expect(database_bytes).toBeGreaterThan(0);
  });

  it('keeps everything with OCT_RETENTION_DAYS=0', async () => {
    const { url, db } = await database();
    const exporter = await openExporter(url, { retentionDays: 0, maxDbBytes: 0 }, 100);
    await write(exporter, [traceEvent({ start_time: 0 }), errorEvent({ occurred_at: 0 })]);
    await until(() => exporter.storageState().retention.passes >= 3, 10_000, 'three passes');
    expect((await count(db, 'traces')) + (await count(db, 'errors'))).toBe(2);
  });

  it('deletes in transactions of at most 2,000 rows at start-up, while batches are written between them', async () => {
    const now = Date.now();
    const { url, db } = await database();
    await fill(db, 6_000, now - 40 * DAY);
    const deletes = await logDeletes(db);
    const exporter = await openExporter(url, { retentionDays: 30, maxDbBytes: 0 });
    const fresh = Array.from({ length: 20 }, () => Array.from({ length: 50 }, () => traceEvent({ start_time: now })));
    const results = await Promise.all(fresh.map((batch) => exporter.export(batch)));
    expect(results.every((r) => r.persisted === 50)).toBe(true);
    await until(() => exporter.storageState().retention.passes === 1, 15_000, 'the pass');
    expect(exporter.storageState().retention.deleted.traces).toBe(6_000);
    expect(await count(db, 'traces')).toBe(1_000);
    const perTransaction = new Map<string, number>();
    for (const d of await deletes()) perTransaction.set(d.tx, (perTransaction.get(d.tx) ?? 0) + d.n);
    expect(perTransaction.size).toBeGreaterThanOrEqual(6);
    expect(Math.max(...perTransaction.values())).toBeLessThanOrEqual(2_000);
  });

  it('skips its pass while another process holds the retention lock, and deletes once it is free', async () => {
    const now = Date.now();
    const { url, db } = await database();
    await fill(db, 500, now - 40 * DAY);
    await db.query('SELECT pg_advisory_lock($1, $2)', [...RETENTION_LOCK]);
    const exporter = await openExporter(url, { retentionDays: 30, maxDbBytes: 0 }, 100);
    await until(() => exporter.storageState().retention.skipped >= 3, 10_000, 'three skipped passes');
    expect(await count(db, 'traces')).toBe(500);
    expect(exporter.storageState().retention.passes).toBe(0);
    await db.query('SELECT pg_advisory_unlock($1, $2)', [...RETENTION_LOCK]);
    await until(async () => (await count(db, 'traces')) === 0, 10_000, 'the rows deleted');
    expect(exporter.storageState().retention.deleted.traces).toBe(500);
  });

  it('runs in one of two oct processes at a time: the other skips its pass, and every row is deleted by one', async () => {
    const now = Date.now();
    const { url, db } = await database();
    await fill(db, 5_000, now - 40 * DAY);
    const deletes = await logDeletes(db);
    // Deletes wait behind this lock, so both processes reach their start-up pass while it runs.
    const blocker = await pgClient(url);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE traces IN SHARE MODE');
    const octs = await Promise.all([0, 1].map(() => startOctProcess(url)));
    try {
      const skipped = async () => (await Promise.all(octs.map((o) => o.health()))).map((h) => h.storage.retention.skipped);
      await until(async () => (await skipped()).includes(1), 15_000, 'one process to skip its pass');
      await blocker.query('COMMIT');
      await until(async () => (await count(db, 'traces')) === 0, 15_000, 'the expired rows deleted');
      const healths = await until(
        async () => {
          const all = await Promise.all(octs.map((o) => o.health()));
          return all.some((h) => h.storage.retention.passes === 1) && all;
        },
        10_000,
        'the pass to end',
      );
      expect(healths.map((h) => h.storage.retention.skipped).sort()).toEqual([0, 1]);
      expect(healths.map((h) => h.storage.retention.deleted.traces).sort((a, b) => a - b)).toEqual([0, 5_000]);
      const log = await deletes();
      expect(new Set(log.map((d) => d.pid)).size).toBe(1);
      expect(log.reduce((n, d) => n + d.n, 0)).toBe(5_000);
    } finally {
      await blocker.query('COMMIT');
      await Promise.all(octs.map((o) => o.stop()));
    }
  }, 60_000);

  it('holds OCT_MAX_DB_MB by the space its rows take, oldest first, and does not delete more on later passes', async () => {
    const now = Date.now();
    const cap = 2 * 1024 * 1024;
    const { url, db } = await database();
    const first = await openExporter(url, { retentionDays: 0, maxDbBytes: 0 });
    // About 8 MiB of recent rows (random text, which does not compress): the cap holds whatever their age.
    await write(
      first,
      Array.from({ length: 2_500 }, (_, i) => traceEvent({ start_time: now - 2_500 + i, input_text: randomBytes(1_500).toString('hex') })),
    );
    await first.shutdown();
    const exporter = await openExporter(url, { retentionDays: 0, maxDbBytes: cap }, 300);
    await until(() => exporter.storageState().retention.passes >= 1, 15_000, 'the first pass');
    const deleted = exporter.storageState().retention.deleted.traces;
    expect(deleted).toBeGreaterThan(1_000);
    const left = (
      await db.query<{ n: number; oldest: number; bytes: number }>(
        'SELECT count(*) AS n, min(start_time) AS oldest, sum(pg_column_size(t.*)) AS bytes FROM traces t',
      )
    ).rows[0];
    expect(left.n).toBe(2_500 - deleted);
    expect(left.oldest).toBe(now - 2_500 + deleted);
    // What is left fills the target under the cap, give or take the estimate.
    expect(left.bytes).toBeLessThanOrEqual(cap * 0.9);
    expect(left.bytes).toBeGreaterThan(cap * 0.5);
    // The files keep their size, but later passes measure the space in use: nothing more goes.
    await until(() => exporter.storageState().retention.passes >= 4, 15_000, 'three more passes');
    expect(exporter.storageState().retention.deleted.traces).toBe(deleted);
    expect(exporter.storageState().database_bytes).toBeGreaterThan(cap);
  });
});
