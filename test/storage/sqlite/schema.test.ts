import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ERRORS_TABLE, TRACES_TABLE, type Column } from '../../../src/model/columns.js';
import { openDatabase } from '../../../src/storage/sqlite/open-database.js';
import { SCHEMA_VERSION } from '../../../src/storage/sqlite/schema.js';
import { tempDir } from '../../helpers.js';

/** Migration 1 as the first release wrote it: databases created by it exist and must keep working. */
const MIGRATION_1 = `
  CREATE TABLE traces (
    trace_id            TEXT PRIMARY KEY NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('otlp', 'native')),
    convention          TEXT,
    kind                TEXT NOT NULL CHECK (kind IN ('llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other')),
    is_aggregate        INTEGER NOT NULL DEFAULT 0 CHECK (is_aggregate IN (0, 1)),
    operation           TEXT,
    otel_trace_id       TEXT,
    otel_span_id        TEXT,
    otel_parent_span_id TEXT,
    service_name        TEXT,
    scope_name          TEXT,
    span_name           TEXT,
    provider            TEXT,
    model               TEXT,
    request_model       TEXT,
    input_text          TEXT,
    output_text         TEXT,
    input_bytes         INTEGER,
    output_bytes        INTEGER,
    input_tokens        INTEGER,
    output_tokens       INTEGER,
    total_tokens        INTEGER,
    cache_read_tokens   INTEGER,
    cache_write_tokens  INTEGER,
    reasoning_tokens    INTEGER,
    cost_usd            REAL,
    status              TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    status_message      TEXT,
    error_type          TEXT,
    finish_reasons      TEXT,
    response_id         TEXT,
    conversation_id     TEXT,
    user_id             TEXT,
    tool_name           TEXT,
    agent_name          TEXT,
    start_time          INTEGER NOT NULL,
    end_time            INTEGER,
    duration_ms         REAL,
    ttft_ms             REAL,
    attributes          TEXT,
    resource_attributes TEXT,
    created_at          INTEGER NOT NULL
  );
  -- A retried OTLP export stores a span once (NULL ids, e.g. native rows, never collide).
  CREATE UNIQUE INDEX traces_otel_span ON traces (otel_trace_id, otel_span_id);
  CREATE INDEX traces_start_time ON traces (start_time);
  CREATE INDEX traces_model_time ON traces (model, start_time);
  CREATE INDEX traces_service_time ON traces (service_name, start_time);

  CREATE TABLE errors (
    trace_id            TEXT PRIMARY KEY NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('otlp', 'native')),
    origin              TEXT NOT NULL CHECK (origin IN ('exception_event', 'span_status', 'native')),
    llm_trace_id        TEXT,
    otel_trace_id       TEXT,
    otel_span_id        TEXT,
    otel_parent_span_id TEXT,
    service_name        TEXT,
    span_name           TEXT,
    error_type          TEXT,
    message             TEXT,
    stacktrace          TEXT,
    occurred_at         INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    attributes          TEXT
  );
  -- The same exception of the same span, re-sent by a retried export, is stored once.
  CREATE UNIQUE INDEX errors_otel_event ON errors (otel_trace_id, otel_span_id, origin, occurred_at, coalesce(error_type, ''), coalesce(message, ''))
    WHERE otel_span_id IS NOT NULL;
  CREATE INDEX errors_occurred_at ON errors (occurred_at);
  CREATE INDEX errors_service_time ON errors (service_name, occurred_at);
  CREATE INDEX errors_llm_trace_id ON errors (llm_trace_id) WHERE llm_trace_id IS NOT NULL;
`;

function schema(db: Database.Database) {
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
  const tables = ['traces', 'errors', 'pending_content'].map((table) => ({
    table,
    columns: db.pragma(`table_info(${table})`),
    indexes: (db.pragma(`index_list(${table})`) as { name: string }[]).map((index) => ({
      ...index,
      columns: db.pragma(`index_xinfo(${index.name})`),
    })),
  }));
  return { version: db.pragma('user_version', { simple: true }) as number, objects, tables };
}

function open(dbPath: string) {
  const db = openDatabase(dbPath);
  const result = schema(db);
  db.close();
  return result;
}

describe('SQLite schema', () => {
  it('gives a database created by the first release the same schema as a new one', () => {
    const dir = tempDir();
    const old = new Database(path.join(dir, 'old.db'));
    old.exec(MIGRATION_1);
    old.pragma('user_version = 1');
    old.close();

    const upgraded = open(path.join(dir, 'old.db'));
    const created = open(path.join(dir, 'new.db'));
    expect(created.version).toBe(SCHEMA_VERSION);
    expect(upgraded).toEqual(created);
    expect(created.tables.map((t) => t.indexes.length)).toEqual([7, 6, 2]); // with the primary keys' own
  });

  it.each([
    ['traces', TRACES_TABLE],
    ['errors', ERRORS_TABLE],
  ])('creates %s with exactly the columns of model/columns.ts', (table, columns: Record<string, Column>) => {
    const db = openDatabase(path.join(tempDir(), 'oct.db'));
    expect(db.pragma(`table_info(${table})`)).toEqual(
      Object.entries(columns).map(([name, c], cid) => ({
        cid,
        name,
        type: c.type,
        notnull: c.notNull ? 1 : 0,
        dflt_value: c.default ?? null,
        pk: c.primaryKey ? 1 : 0,
      })),
    );
    db.close();
  });
});
