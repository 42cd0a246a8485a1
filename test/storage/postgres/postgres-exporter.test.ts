import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { PostgresExporter } from '../../../dist/storage/postgres/postgres-exporter.js';
import { SCHEMA_VERSION } from '../../../dist/storage/postgres/schema.js';
import { traceEvents } from '../../factories.js';
import { pgClient } from '../engines.js';
import { pgServer } from './setup.js';

const exporter = (url: string) => new PostgresExporter({ url, maxTextBytes: 65_536, pendingContentTtlS: 600 }, createLogger('silent'));

describe('PostgreSQL exporter', () => {
  it('migrates once when several oct processes start together, with PostgreSQL types', async () => {
    const url = await pgServer().createDatabase();
    const exporters = Array.from({ length: 4 }, () => exporter(url));
    try {
      await Promise.all(exporters.map((e) => e.start()));
      const results = await Promise.all(exporters.map((e) => e.export(traceEvents(5))));
      expect(results.every((r) => r.persisted === 5)).toBe(true);
    } finally {
      await Promise.all(exporters.map((e) => e.shutdown()));
    }
    const db = await pgClient(url);
    expect((await db.query('SELECT version FROM oct_schema_migrations ORDER BY version')).rows).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    const { rows } = await db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'traces'
       AND column_name IN ('start_time', 'cost_usd', 'attributes', 'finish_reasons', 'model')`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]))).toEqual({
      start_time: 'bigint',
      cost_usd: 'double precision',
      attributes: 'jsonb',
      finish_reasons: 'jsonb',
      model: 'text',
    });
  });

  it('refuses a database migrated by a newer oct', async () => {
    const url = await pgServer().createDatabase();
    const db = await pgClient(url);
    await db.query('CREATE TABLE oct_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    await db.query('INSERT INTO oct_schema_migrations VALUES ($1, 0)', [SCHEMA_VERSION + 1]);
    const e = exporter(url);
    await expect(e.start()).rejects.toThrow(/newer than this oct/);
    await e.shutdown();
  });

  it('fails to start, with the reason, when PostgreSQL cannot be reached', async () => {
    const e = exporter('postgres://postgres@127.0.0.1:1/none');
    await expect(e.start()).rejects.toThrow(/ECONNREFUSED/);
    await e.shutdown();
    await expect(e.export(traceEvents(1))).rejects.toThrow(/not running/);
  });
});
