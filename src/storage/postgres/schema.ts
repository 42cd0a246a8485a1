import type { ClientBase } from 'pg';
import { ERRORS_TABLE, TRACES_TABLE, type Column } from '../../model/columns.js';

/**
 * The PostgreSQL schema: the tables, columns, indexes and meanings of the SQLite one
 * (storage/sqlite/schema.ts), with PostgreSQL types: BIGINT epoch-ms times (one set of dashboard
 * queries works on both engines), DOUBLE PRECISION, JSONB for the JSON columns, TEXT elsewhere.
 * Migrations are numbered on their own (this engine started at the SQLite schema's version 3) and
 * recorded in `oct_schema_migrations`; a column added to model/columns.ts also needs a migration
 * that adds it to existing databases.
 */

const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** An epoch-ms column as UTC text with milliseconds, as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', …)` writes it. */
function isoText(column: string): string {
  return `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const MIGRATIONS: readonly string[] = [
  `
  ${createTable('traces', TRACES_TABLE)}
  -- A retried OTLP export stores a span once, whichever oct process receives it (NULL ids never collide).
  CREATE UNIQUE INDEX traces_otel_span ON traces (otel_trace_id, otel_span_id);
  CREATE INDEX traces_start_time ON traces (start_time);
  CREATE INDEX traces_model_time ON traces (model, start_time);
  CREATE INDEX traces_service_time ON traces (service_name, start_time);
  CREATE INDEX traces_conversation_time ON traces (conversation_id, start_time) WHERE conversation_id IS NOT NULL;
  CREATE INDEX traces_user_time ON traces (user_id, start_time) WHERE user_id IS NOT NULL;

  ${createTable('errors', ERRORS_TABLE)}
  -- The same exception of the same span is stored once; hashed, as a B-tree entry cannot hold a 64 KiB message.
  CREATE UNIQUE INDEX errors_otel_event ON errors (otel_trace_id, otel_span_id, origin, occurred_at, md5(coalesce(error_type, '')), md5(coalesce(message, '')))
    WHERE otel_span_id IS NOT NULL;
  CREATE INDEX errors_occurred_at ON errors (occurred_at);
  CREATE INDEX errors_service_time ON errors (service_name, occurred_at);
  CREATE INDEX errors_llm_trace_id ON errors (llm_trace_id) WHERE llm_trace_id IS NOT NULL;
  CREATE INDEX errors_otel_trace_time ON errors (otel_trace_id, occurred_at) WHERE otel_trace_id IS NOT NULL;

  CREATE TABLE pending_content (
    id              BIGSERIAL PRIMARY KEY,  -- arrival order
    otel_trace_id   TEXT NOT NULL,
    otel_span_id    TEXT NOT NULL,
    record_key      TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('content', 'exception')),
    time_unix_nano  BIGINT NOT NULL,
    system_blocks   TEXT,                   -- JSON arrays of rendered 'role: text' blocks
    input_blocks    TEXT,
    output_blocks   TEXT,
    joined          BOOLEAN NOT NULL DEFAULT false,
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX pending_content_record ON pending_content (otel_trace_id, otel_span_id, record_key);
  CREATE INDEX pending_content_expires_at ON pending_content (expires_at);
  `,
  // 2: the dashboard views of the SQLite schema's migration 4, with the same columns and meanings.
  `
  CREATE VIEW llm_calls AS
  SELECT trace_id, otel_trace_id, otel_span_id, service_name, provider,
         coalesce(request_model, model) AS model, model AS response_model, kind, operation, status, error_type,
         input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
         cost_usd, cost_source, start_time, start_time / 1000 AS start_time_s, ${isoText('start_time')} AS start_time_iso,
         duration_ms, ttft_ms, conversation_id, user_id, input_text, output_text
  FROM traces
  WHERE is_aggregate = 0 AND kind IN ('llm', 'embedding');

  CREATE VIEW errors_recent AS
  SELECT trace_id, llm_trace_id, otel_trace_id, otel_span_id, service_name, span_name, origin, error_type, message,
         occurred_at, occurred_at / 1000 AS occurred_at_s, ${isoText('occurred_at')} AS occurred_at_iso
  FROM errors
  WHERE occurred_at >= (floor(extract(epoch FROM now()))::bigint - 86400) * 1000
  ORDER BY occurred_at DESC;
  `,
  // 3: the model index holds the model asked for, as the SQLite schema's migration 5 has it.
  `
  DROP INDEX traces_model_time;
  CREATE INDEX traces_asked_model_time ON traces ((coalesce(request_model, model)), start_time);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Both advisory-lock keys of the migration lock: 'oct' and 1, apart from the per-span keys (one bigint) and the retention lock (retention.ts). */
const MIGRATION_LOCK = [0x6f6374, 1] as const;

/**
 * Applies the migrations this database has not run yet, each in its own transaction, under a
 * session advisory lock: oct processes starting together wait for one another instead of racing.
 */
export async function migrate(client: ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS oct_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM oct_schema_migrations');
    const current = rows[0].version;
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this oct (${SCHEMA_VERSION}); upgrade oct`);
    }
    for (let v = current; v < SCHEMA_VERSION; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v]);
        await client.query(`INSERT INTO oct_schema_migrations (version, applied_at) VALUES ($1, ${NOW_MS})`, [v + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]);
  }
}

export interface TableInsert {
  table: string;
  /** The columns bound from a row, in table order. */
  columns: readonly string[];
  /** PostgreSQL type of each bound column. */
  types: readonly string[];
  /** `INSERT … VALUES (…), … ON CONFLICT DO NOTHING` for `rows` rows; `created_at` is the column default. */
  sql: (rows: number) => string;
}

export const TRACES_INSERT = tableInsert('traces', TRACES_TABLE, 'RETURNING otel_trace_id, otel_span_id');
export const ERRORS_INSERT = tableInsert('errors', ERRORS_TABLE);

function pgType(c: Column): string {
  if (c.json) return 'JSONB';
  return c.type === 'INTEGER' ? 'BIGINT' : c.type === 'REAL' ? 'DOUBLE PRECISION' : 'TEXT';
}

function createTable(table: string, columns: Record<string, Column>): string {
  const width = Math.max(...Object.keys(columns).map((name) => name.length));
  const lines = Object.entries(columns).map(([name, c]) =>
    [
      name.padEnd(width),
      pgType(c),
      c.primaryKey && 'PRIMARY KEY',
      c.notNull && 'NOT NULL',
      c.insertTime ? `DEFAULT ${NOW_MS}` : c.default !== undefined && `DEFAULT ${c.default}`,
      c.oneOf && `CHECK (${name} IN (${c.oneOf.map(sqlLiteral).join(', ')}))`,
    ]
      .filter(Boolean)
      .join(' '),
  );
  return `CREATE TABLE ${table} (\n    ${lines.join(',\n    ')}\n  );`;
}

function tableInsert(table: string, columns: Record<string, Column>, returning = ''): TableInsert {
  const bound = Object.entries(columns).filter(([, c]) => !c.insertTime);
  const names = bound.map(([name]) => name);
  const types = bound.map(([, c]) => pgType(c));
  const statements = new Map<number, string>();
  return {
    table,
    columns: names,
    types,
    sql: (rows) => {
      let sql = statements.get(rows);
      if (sql === undefined) {
        const tuples = Array.from({ length: rows }, (_, r) => `(${types.map((t, i) => `$${r * types.length + i + 1}::${t}`).join(', ')})`);
        sql = `INSERT INTO ${table} (${names.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING ${returning}`.trimEnd();
        statements.set(rows, sql);
      }
      return sql;
    },
  };
}

function sqlLiteral(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
}
