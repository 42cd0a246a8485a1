import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../dist/storage/postgres/schema.js';
import { parseErrorListParams, parseStatsParams, parseTraceListParams } from '../../src/query/params.js';
import { PostgresReader } from '../../src/query/postgres-reader.js';
import { ReadUnavailableError } from '../../src/query/trace-reader.js';
import { pgServer } from '../storage/postgres/setup.js';

async function migrated(): Promise<string> {
  const url = await pgServer().createDatabase();
  const client = new pg.Client(url);
  await client.connect();
  await migrate(client);
  await client.end();
  return url;
}

describe('PostgresReader', () => {
  it('refuses to start on a database without oct tables, and reads nothing before start or after shutdown', async () => {
    const empty = new PostgresReader({ url: await pgServer().createDatabase() });
    await expect(empty.start()).rejects.toThrow(/no errors table|no traces table/);
    await empty.shutdown();

    const reader = new PostgresReader({ url: await migrated() });
    await expect(reader.listTraces(parseTraceListParams({}))).rejects.toBeInstanceOf(ReadUnavailableError);
    await reader.start();
    await expect(reader.listTraces(parseTraceListParams({}))).resolves.toEqual({ items: [], next: null });
    await reader.shutdown();
    await expect(reader.shutdown()).resolves.toBeUndefined();
    await expect(reader.listTraces(parseTraceListParams({}))).rejects.toBeInstanceOf(ReadUnavailableError);
  });

  it('keeps lists answering while stats queries wait: stats have one connection of their own', async () => {
    const url = await migrated();
    const reader = new PostgresReader({ url });
    await reader.start();
    const locker = new pg.Client(url);
    await locker.connect();
    try {
      // Stats read only traces, the error list only errors: a lock on traces holds every stats query.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE traces IN ACCESS EXCLUSIVE MODE');
      const stats = Array.from({ length: 4 }, () => reader.stats(parseStatsParams({})));
      await expect(reader.listErrors(parseErrorListParams({}))).resolves.toEqual({ items: [], next: null });
      const waiting = async () =>
        (
          await locker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'oct-read' AND wait_event_type = 'Lock'`,
          )
        ).rows[0].n;
      await expect.poll(waiting, { timeout: 10_000 }).toBe(1);
      await locker.query('COMMIT');
      for (const answer of await Promise.all(stats)) expect(answer.rows).toEqual([]);
    } finally {
      await locker.end();
      await reader.shutdown();
    }
  }, 60_000);

  it('answers "unavailable" (503) while PostgreSQL is down, and reads again once it is back', async () => {
    const reader = new PostgresReader({ url: await migrated() });
    await reader.start();
    try {
      await pgServer().stop();
      await expect(reader.listTraces(parseTraceListParams({}))).rejects.toBeInstanceOf(ReadUnavailableError);
      await pgServer().start();
      await expect(reader.listTraces(parseTraceListParams({}))).resolves.toEqual({ items: [], next: null });
    } finally {
      await reader.shutdown();
    }
  }, 60_000);
});
