import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import type { ContentStats } from '../../src/storage/sqlite/content-join.js';
import type { Exporter } from '../../src/pipeline/exporter.js';
// The exporters as oct runs them (`npm test` builds first): the SQLite writer thread needs compiled JS.
import { SqliteExporter } from '../../dist/storage/sqlite/sqlite-exporter.js';
import { PostgresExporter } from '../../dist/storage/postgres/postgres-exporter.js';
import { tempDir } from '../helpers.js';
import { pgServer } from './postgres/setup.js';

/** An exporter under test and a reader on its database, whichever the engine. */
export interface Opened {
  exporter: Exporter & { contentStats(): ContentStats };
  /** Rows of a query that reads the same on both engines (`?` placeholders; numbers come back as numbers). */
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;
  /** A second exporter on the same database, started (a restart of oct). */
  reopen: () => Promise<Opened>;
}

export interface Engine {
  name: string;
  /** A started exporter on a fresh database. */
  open(): Promise<Opened>;
  /** The table's columns and their types as the database declares them. */
  columns(opened: Opened, table: string): Promise<{ name: string; type: string }[]>;
}

const closers: (() => Promise<void> | void)[] = [];
// Registered after helpers.ts's hook, so it runs first: exporters stop before their folders go.
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const options = () => ({ maxTextBytes: defaultConfig().maxTextBytes, pendingContentTtlS: defaultConfig().pendingContentTtlS });
const silent = createLogger('silent');

export const sqlite: Engine = {
  name: 'SQLite',
  open() {
    return openSqlite(path.join(tempDir(), 'oct.db'));
  },
  async columns(opened, table) {
    return opened.query<{ name: string; type: string }>(`SELECT name, type FROM pragma_table_info('${table}')`);
  },
};

async function openSqlite(dbPath: string): Promise<Opened> {
  const exporter = new SqliteExporter({ dbPath, ...options() }, silent);
  closers.push(() => exporter.shutdown());
  await exporter.start();
  const db = new Database(dbPath, { readonly: true });
  closers.push(() => {
    db.close();
  });
  return {
    exporter,
    query: <T>(sql: string, params: unknown[] = []) => Promise.resolve(db.prepare(sql).all(...params) as T[]),
    reopen: async () => {
      await exporter.shutdown();
      return openSqlite(dbPath);
    },
  };
}

export const postgres: Engine = {
  name: 'PostgreSQL',
  async open() {
    return openPostgres(await pgServer().createDatabase());
  },
  async columns(opened, table) {
    return opened.query<{ name: string; type: string }>(
      `SELECT column_name AS name, upper(data_type) AS type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`,
      [table],
    );
  },
};

/** Numbers as numbers, as better-sqlite3 returns them. */
const types = {
  getTypeParser: (oid: number): ((value: string) => unknown) =>
    oid === 20 || oid === 1700 ? Number : (pg.types.getTypeParser(oid, 'text') as (value: string) => unknown),
};

export async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types });
  await client.connect();
  closers.push(() => client.end());
  return client;
}

async function openPostgres(url: string): Promise<Opened> {
  const exporter = new PostgresExporter({ url, ...options() }, silent);
  closers.push(() => exporter.shutdown());
  await exporter.start();
  const client = await pgClient(url);
  return {
    exporter,
    query: async <T>(sql: string, params: unknown[] = []) => {
      let n = 0;
      const { rows } = await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return rows as T[];
    },
    reopen: async () => {
      await exporter.shutdown();
      return openPostgres(url);
    },
  };
}
