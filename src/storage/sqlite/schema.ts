import type { Database } from 'better-sqlite3';
import { ERRORS_TABLE, TRACES_TABLE, type Column } from '../../model/columns.js';

/**
 * Schema migrations, applied in order at start-up; `PRAGMA user_version` records how many ran.
 * Dashboards depend on these names: change them only through a new migration and README.md.
 * Migration 1 creates `traces` and `errors` from model/columns.ts as the first release had them; a
 * column added later names its migration (`addedIn`), which adds it to new and existing databases
 * alike (test/storage/sqlite/schema.test.ts).
 *
 * `traces` and `errors` are rowid tables, so rows are stored in insertion (time) order; the
 * random UUID v4 `trace_id` only decides the order of its own primary-key index.
 */
/** Model calls only (agent and workflow spans repeat their children's tokens), with times for tools that want seconds or text. */
const LLM_CALLS_VIEW = `
  CREATE VIEW llm_calls AS
  SELECT trace_id, otel_trace_id, otel_span_id, service_name, provider,
         coalesce(request_model, model) AS model, model AS response_model, kind, operation, status, error_type,
         input_tokens, output_tokens, total_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
         cost_usd, cost_source, start_time, start_time / 1000 AS start_time_s,
         strftime('%Y-%m-%dT%H:%M:%fZ', start_time / 1000.0, 'unixepoch') AS start_time_iso,
         duration_ms, ttft_ms, conversation_id, user_id, input_text, output_text
  FROM traces
  WHERE is_aggregate = 0 AND kind IN ('llm', 'embedding');`;

/** The last 24 hours of errors, newest first: what an "are we failing now" panel shows. */
const ERRORS_RECENT_VIEW = `
  CREATE VIEW errors_recent AS
  SELECT trace_id, llm_trace_id, otel_trace_id, otel_span_id, service_name, span_name, origin, error_type, message,
         occurred_at, occurred_at / 1000 AS occurred_at_s,
         strftime('%Y-%m-%dT%H:%M:%fZ', occurred_at / 1000.0, 'unixepoch') AS occurred_at_iso
  FROM errors
  WHERE occurred_at >= (CAST(strftime('%s', 'now') AS INTEGER) - 86400) * 1000
  ORDER BY occurred_at DESC;`;

const MIGRATIONS: readonly string[] = [
  `
  ${createTable('traces', TRACES_TABLE)}
  -- A retried OTLP export stores a span once (NULL ids, e.g. native rows, never collide).
  CREATE UNIQUE INDEX traces_otel_span ON traces (otel_trace_id, otel_span_id);
  CREATE INDEX traces_start_time ON traces (start_time);
  CREATE INDEX traces_model_time ON traces (model, start_time);
  CREATE INDEX traces_service_time ON traces (service_name, start_time);

  ${createTable('errors', ERRORS_TABLE)}
  -- The same exception of the same span, re-sent by a retried export, is stored once.
  CREATE UNIQUE INDEX errors_otel_event ON errors (otel_trace_id, otel_span_id, origin, occurred_at, coalesce(error_type, ''), coalesce(message, ''))
    WHERE otel_span_id IS NOT NULL;
  CREATE INDEX errors_occurred_at ON errors (occurred_at);
  CREATE INDEX errors_service_time ON errors (service_name, occurred_at);
  CREATE INDEX errors_llm_trace_id ON errors (llm_trace_id) WHERE llm_trace_id IS NOT NULL;
  `,
  // 2: GenAI content sent as OTLP log records (POST /v1/logs), held per span until its traces row
  // arrives and kept until OCT_PENDING_CONTENT_TTL_S after the span's last record.
  `
  CREATE TABLE pending_content (
    id              INTEGER PRIMARY KEY,  -- arrival order
    otel_trace_id   TEXT NOT NULL,
    otel_span_id    TEXT NOT NULL,
    record_key      TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('content', 'exception')),
    time_unix_nano  INTEGER NOT NULL,
    system_blocks   TEXT,                 -- JSON arrays of rendered 'role: text' blocks
    input_blocks    TEXT,
    output_blocks   TEXT,
    joined          INTEGER NOT NULL DEFAULT 0 CHECK (joined IN (0, 1)),
    expires_at      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
  );
  -- A retried export stores a record once; also the per-span lookup.
  CREATE UNIQUE INDEX pending_content_record ON pending_content (otel_trace_id, otel_span_id, record_key);
  CREATE INDEX pending_content_expires_at ON pending_content (expires_at);
  `,
  // 3: the read API's equality filters, which would otherwise walk the whole time index when
  // nothing matches; partial, so rows without the value cost nothing to insert.
  `
  CREATE INDEX traces_conversation_time ON traces (conversation_id, start_time) WHERE conversation_id IS NOT NULL;
  CREATE INDEX traces_user_time ON traces (user_id, start_time) WHERE user_id IS NOT NULL;
  CREATE INDEX errors_otel_trace_time ON errors (otel_trace_id, occurred_at) WHERE otel_trace_id IS NOT NULL;
  `,
  // 4: where cost_usd came from (costs before this migration were all reported by clients), and
  // views for dashboards.
  `
  ${addColumns('traces', TRACES_TABLE, 4)}
  UPDATE traces SET cost_source = 'reported' WHERE cost_usd IS NOT NULL;
  ${LLM_CALLS_VIEW}
  ${ERRORS_RECENT_VIEW}
  `,
  // 5: "model" in the read API's filter, stats and llm_calls is the model asked for, so that is what
  // the model index holds (in place of the responding model's, which no query filtered on alone).
  `
  DROP INDEX traces_model_time;
  CREATE INDEX traces_asked_model_time ON traces (coalesce(request_model, model), start_time);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations this database has not run yet, each in its own transaction. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this oct (${SCHEMA_VERSION}); upgrade oct`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

const INSERT_TIME_MS = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
/** Inserts one row, bound by column name; SQLite sets the insert-time columns (no per-row copy). */
export const INSERT_TRACE = insertRow('traces', TRACES_TABLE);
export const INSERT_ERROR = insertRow('errors', ERRORS_TABLE);
/** The columns bound from a `TraceRow` (bench/ceilings.js inserts with them directly). */
export const TRACE_COLUMNS = Object.entries<Column>(TRACES_TABLE)
  .filter(([, c]) => !c.insertTime)
  .map(([name]) => name);

/** The table as the first release created it: columns added later come from their own migration. */
function createTable(table: string, columns: Record<string, Column>): string {
  const first = Object.entries(columns).filter(([, c]) => c.addedIn === undefined);
  const width = Math.max(...first.map(([name]) => name.length));
  const lines = first.map(([name, c]) => columnDefinition(name.padEnd(width), name, c));
  return `CREATE TABLE ${table} (\n    ${lines.join(',\n    ')}\n  );`;
}

function addColumns(table: string, columns: Record<string, Column>, migration: number): string {
  return Object.entries(columns)
    .filter(([, c]) => c.addedIn === migration)
    .map(([name, c]) => `ALTER TABLE ${table} ADD COLUMN ${columnDefinition(name, name, c)};`)
    .join('\n  ');
}

function columnDefinition(label: string, name: string, c: Column): string {
  return [
    label,
    c.type,
    c.primaryKey && 'PRIMARY KEY',
    c.notNull && 'NOT NULL',
    c.default !== undefined && `DEFAULT ${c.default}`,
    c.oneOf && `CHECK (${name} IN (${c.oneOf.map(sqlLiteral).join(', ')}))`,
  ]
    .filter(Boolean)
    .join(' ');
}

function insertRow(table: string, columns: Record<string, Column>): string {
  const values = Object.entries(columns).map(([name, c]) => (c.insertTime ? INSERT_TIME_MS : `@${name}`));
  return `INSERT INTO ${table} (${Object.keys(columns).join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT DO NOTHING`;
}

function sqlLiteral(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;
}
