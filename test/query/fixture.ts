import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import type { ErrorRow, TraceRow } from '../../src/model/events.js';
import { migrate } from '../../dist/storage/sqlite/schema.js';
import { ReadQueries } from '../../src/query/read-queries.js';
import { errorEvent, traceEvent } from '../factories.js';
import { tempDir } from '../helpers.js';

export const trace = (overrides: Partial<TraceRow> = {}) => (traceEvent(overrides) as { row: TraceRow }).row;
export const error = (overrides: Partial<ErrorRow> = {}) => (errorEvent(overrides) as { row: ErrorRow }).row;

const open: Database.Database[] = [];
afterEach(() => open.splice(0).forEach((db) => db.close()));

function insert(db: Database.Database, table: string, rows: object[]): void {
  if (rows.length === 0) return;
  const columns = [...Object.keys(rows[0]), 'created_at'];
  const statement = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
  db.transaction(() => rows.forEach((row) => statement.run({ ...row, created_at: 1 })))();
}

/** A migrated database file holding `traces` and `errors`, with a read-only ReadQueries on it. */
export function database(traces: TraceRow[], errors: ErrorRow[] = []) {
  const dbPath = path.join(tempDir(), 'oct.db');
  const writer = new Database(dbPath);
  writer.pragma('journal_mode = WAL');
  migrate(writer);
  insert(writer, 'traces', traces);
  insert(writer, 'errors', errors);
  writer.close();
  const db = new Database(dbPath, { readonly: true });
  open.push(db);
  return { dbPath, db, queries: new ReadQueries(db) };
}
