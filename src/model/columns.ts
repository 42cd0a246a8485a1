import { COST_SOURCES, ERROR_ORIGINS, EVENT_SOURCES, TRACE_KINDS, type ErrorRow, type TraceRow } from './events.js';

/**
 * The columns of `traces` and `errors`, in table order: the schema contract dashboards depend on
 * (README "SQLite schema"). Storage creates its tables and binds its inserts from these lists.
 * `satisfies Columns<Row>` fails tsc when a list and its row type name different columns, or when a
 * column's SQL type, NOT NULL or value set does not fit the row field's TypeScript type.
 */

export interface Column {
  type: 'TEXT' | 'INTEGER' | 'REAL';
  primaryKey?: true;
  notNull?: true;
  /** An SQL literal. */
  default?: string;
  /** The only values allowed (a CHECK constraint). */
  oneOf?: readonly (string | number)[];
  /** Set by storage to the time the row is written; not a field of the row. */
  insertTime?: true;
  /** TEXT holding JSON: PostgreSQL stores it as JSONB. */
  json?: true;
  /** The migration that added it to existing tables (they append it, so it comes after the first release's columns). */
  addedIn?: number;
}

/** The column a row field of type V needs. */
type ColumnFor<V> = Column & { type: NonNullable<V> extends string ? 'TEXT' : 'INTEGER' | 'REAL'; insertTime?: never } & (null extends V
    ? { notNull?: never }
    : { notNull: true }) &
  (string extends V ? unknown : number extends V ? unknown : { oneOf: readonly NonNullable<V>[] });

/** Exactly the row's fields plus `created_at`. */
export type Columns<Row> = { [K in keyof Row]-?: ColumnFor<Row[K]> } & {
  created_at: { type: 'INTEGER'; notNull: true; insertTime: true };
};

const TEXT = { type: 'TEXT' } as const;
const INTEGER = { type: 'INTEGER' } as const;
const REAL = { type: 'REAL' } as const;
const JSON_TEXT = { type: 'TEXT', json: true } as const;
const CREATED_AT = { type: 'INTEGER', notNull: true, insertTime: true } as const;

export const TRACES_TABLE = {
  trace_id: { type: 'TEXT', primaryKey: true, notNull: true },
  source: { type: 'TEXT', notNull: true, oneOf: EVENT_SOURCES },
  convention: TEXT,
  kind: { type: 'TEXT', notNull: true, oneOf: TRACE_KINDS },
  is_aggregate: { type: 'INTEGER', notNull: true, default: '0', oneOf: [0, 1] },
  operation: TEXT,
  otel_trace_id: TEXT,
  otel_span_id: TEXT,
  otel_parent_span_id: TEXT,
  service_name: TEXT,
  scope_name: TEXT,
  span_name: TEXT,
  provider: TEXT,
  model: TEXT,
  request_model: TEXT,
  input_text: TEXT,
  output_text: TEXT,
  input_bytes: INTEGER,
  output_bytes: INTEGER,
  input_tokens: INTEGER,
  output_tokens: INTEGER,
  total_tokens: INTEGER,
  cache_read_tokens: INTEGER,
  cache_write_tokens: INTEGER,
  reasoning_tokens: INTEGER,
  cost_usd: REAL,
  status: { type: 'TEXT', notNull: true, oneOf: ['ok', 'error'] },
  status_message: TEXT,
  error_type: TEXT,
  finish_reasons: JSON_TEXT,
  response_id: TEXT,
  conversation_id: TEXT,
  user_id: TEXT,
  tool_name: TEXT,
  agent_name: TEXT,
  start_time: { type: 'INTEGER', notNull: true },
  end_time: INTEGER,
  duration_ms: REAL,
  ttft_ms: REAL,
  attributes: JSON_TEXT,
  resource_attributes: JSON_TEXT,
  created_at: CREATED_AT,
  cost_source: { type: 'TEXT', oneOf: COST_SOURCES, addedIn: 4 },
} satisfies Columns<TraceRow>;

export const ERRORS_TABLE = {
  trace_id: { type: 'TEXT', primaryKey: true, notNull: true },
  source: { type: 'TEXT', notNull: true, oneOf: EVENT_SOURCES },
  origin: { type: 'TEXT', notNull: true, oneOf: ERROR_ORIGINS },
  llm_trace_id: TEXT,
  otel_trace_id: TEXT,
  otel_span_id: TEXT,
  otel_parent_span_id: TEXT,
  service_name: TEXT,
  span_name: TEXT,
  error_type: TEXT,
  message: TEXT,
  stacktrace: TEXT,
  occurred_at: { type: 'INTEGER', notNull: true },
  created_at: CREATED_AT,
  attributes: JSON_TEXT,
} satisfies Columns<ErrorRow>;
