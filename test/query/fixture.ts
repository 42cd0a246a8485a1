import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach } from 'vitest';
import type { ErrorRow, TraceRow } from '../../src/model/events.js';
import { migrate } from '../../dist/storage/sqlite/schema.js';
import { migrate as migratePostgres } from '../../dist/storage/postgres/schema.js';
import { PostgresReader } from '../../src/query/postgres-reader.js';
import { ReadQueries } from '../../src/query/read-queries.js';
import type { TraceReader } from '../../src/query/trace-reader.js';
import { errorEvent, traceEvent } from '../factories.js';
import { tempDir } from '../helpers.js';
import { pgServer } from '../storage/postgres/setup.js';

export const trace = (overrides: Partial<TraceRow> = {}) => (traceEvent(overrides) as { row: TraceRow }).row;
export const error = (overrides: Partial<ErrorRow> = {}) => (errorEvent(overrides) as { row: ErrorRow }).row;

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** Rows with `created_at` 1, `@name` or `$n` placeholders. */
function insertSql(table: string, row: object, placeholder: (column: string, i: number) => string) {
  const columns = [...Object.keys(row), 'created_at'];
  return { columns, sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(placeholder).join(', ')})` };
}

/** A migrated database file holding `traces` and `errors`, with a read-only ReadQueries on it. */
export function database(traces: TraceRow[], errors: ErrorRow[] = []) {
  const dbPath = path.join(tempDir(), 'oct.db');
  const writer = new Database(dbPath);
  writer.pragma('journal_mode = WAL');
  migrate(writer);
  for (const [table, rows] of [
    ['traces', traces],
    ['errors', errors],
  ] as const) {
    if (rows.length === 0) continue;
    const statement = writer.prepare(insertSql(table, rows[0], (c) => `@${c}`).sql);
    writer.transaction(() => rows.forEach((row) => statement.run({ ...row, created_at: 1 })))();
  }
  writer.close();
  const db = new Database(dbPath, { readonly: true });
  closers.push(() => {
    db.close();
  });
  return { dbPath, db, queries: new ReadQueries(db) };
}

export type Reads = Pick<TraceReader, 'listTraces' | 'getTrace' | 'listErrors' | 'stats'>;

/** An engine the read API's answers are checked on: the same rows in, the same answers out. */
export interface ReadEngine {
  name: string;
  open(traces: TraceRow[], errors?: ErrorRow[]): Promise<Reads>;
}

export const sqlite: ReadEngine = {
  name: 'SQLite',
  open(traces, errors) {
    const { queries } = database(traces, errors);
    // As the reader threads answer: a throw is a rejected promise.
    const later =
      <A, R>(read: (arg: A) => R) =>
      (arg: A): Promise<R> =>
        Promise.resolve(arg).then(read);
    return Promise.resolve({
      listTraces: later((params) => queries.listTraces(params)),
      getTrace: later((traceId) => queries.getTrace(traceId)),
      listErrors: later((params) => queries.listErrors(params)),
      stats: later((params) => queries.stats(params)),
    });
  },
};

/** Needs the file's PostgreSQL server: test files that use it import test/storage/postgres/setup.js (this module does). */
export const postgres: ReadEngine = {
  name: 'PostgreSQL',
  async open(traces, errors = []) {
    const url = await pgServer().createDatabase();
    const writer = new pg.Client(url);
    await writer.connect();
    try {
      await migratePostgres(writer);
      for (const [table, rows] of [
        ['traces', traces],
        ['errors', errors],
      ] as const) {
        for (const row of rows) {
          const { columns, sql } = insertSql(table, row, (_, i) => `$${i + 1}`);
          await writer.query(
            sql,
            columns.map((c) => (c === 'created_at' ? 1 : (row as unknown as Record<string, unknown>)[c])),
          );
        }
      }
    } finally {
      await writer.end();
    }
    const reader = new PostgresReader({ url });
    closers.push(() => reader.shutdown());
    await reader.start();
    return reader;
  },
};

export const ENGINES = [sqlite, postgres];
