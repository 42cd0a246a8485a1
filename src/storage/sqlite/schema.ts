import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order at start-up; `PRAGMA user_version` records how many ran.
 * Dashboards depend on these names: change them only through a new migration and README.md.
 *
 * `traces` and `errors` are rowid tables, so rows are stored in insertion (time) order; the
 * random UUID v4 `trace_id` only decides the order of its own primary-key index.
 */
const MIGRATIONS: readonly string[] = [
  `
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
  `,
  // 2: GenAI content sent as OTLP log records (POST /v1/logs), held per span until its traces row
  // arrives and kept until OCT_PENDING_CONTENT_TTL_S after the span's last record (see content-join.ts).
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

export const TRACE_COLUMNS = [
  'trace_id',
  'source',
  'convention',
  'kind',
  'is_aggregate',
  'operation',
  'otel_trace_id',
  'otel_span_id',
  'otel_parent_span_id',
  'service_name',
  'scope_name',
  'span_name',
  'provider',
  'model',
  'request_model',
  'input_text',
  'output_text',
  'input_bytes',
  'output_bytes',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'status',
  'status_message',
  'error_type',
  'finish_reasons',
  'response_id',
  'conversation_id',
  'user_id',
  'tool_name',
  'agent_name',
  'start_time',
  'end_time',
  'duration_ms',
  'ttft_ms',
  'attributes',
  'resource_attributes',
] as const;

export const ERROR_COLUMNS = [
  'trace_id',
  'source',
  'origin',
  'llm_trace_id',
  'otel_trace_id',
  'otel_span_id',
  'otel_parent_span_id',
  'service_name',
  'span_name',
  'error_type',
  'message',
  'stacktrace',
  'occurred_at',
  'attributes',
] as const;
