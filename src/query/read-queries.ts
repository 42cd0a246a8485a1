import type { Database, Statement as Prepared } from 'better-sqlite3';
import type { ErrorRow, TraceRow } from '../model/events.js';
import { encodeCursor, type CursorTable } from './cursor.js';
import { READ_LIMITS, type ErrorListParams, type StatsBucket, type StatsGroup, type StatsParams, type TraceListParams } from './params.js';
import {
  PREVIEW_FLAGS,
  errorListStatement,
  statsStatement,
  traceDetailStatements,
  traceListStatement,
  type Statement,
  type TableColumns,
} from './read-sql.js';

type JsonObject = Record<string, unknown>;

/** A `traces` row as the API returns it: JSON columns parsed. */
export type TraceItem = Omit<TraceRow, 'finish_reasons' | 'attributes' | 'resource_attributes'> & {
  finish_reasons: string[] | null;
  attributes: JsonObject | null;
  resource_attributes: JsonObject | null;
  created_at: number;
};
/** In lists and spans: input_text / output_text are previews of READ_LIMITS.previewChars characters. */
export type TraceListItem = TraceItem & { input_truncated: boolean; output_truncated: boolean };

export type ErrorItem = Omit<ErrorRow, 'attributes'> & { attributes: JsonObject | null; created_at: number };
/** In lists: message / stacktrace are previews of READ_LIMITS.errorPreviewChars characters. */
export type ErrorListItem = ErrorItem & { message_truncated: boolean; stacktrace_truncated: boolean };

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

export interface TraceDetail {
  trace: TraceItem;
  errors: ErrorItem[];
  spans: TraceListItem[];
  /** More than READ_LIMITS.maxLinkedErrors / maxSpans existed; the first ones are returned. */
  errors_truncated: boolean;
  spans_truncated: boolean;
}

export interface StatsRow {
  /** Epoch ms of the UTC hour or day the row covers. */
  bucket_start: number;
  /** Model, service or provider; null when not grouped or unknown. */
  group: string | null;
  calls: number;
  errors: number;
  /** Sums; null when no call of the row reported it. */
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: number | null;
  /** Nearest-rank percentiles of duration_ms; null when no call had one. */
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface StatsResult {
  since: number;
  until: number;
  bucket: StatsBucket;
  group: StatsGroup | null;
  /** Buckets without calls are left out. */
  rows: StatsRow[];
}

type Raw = Record<string, unknown>;

const JSON_COLUMNS = ['attributes', 'resource_attributes', 'finish_reasons'];
const MAX_CACHED_STATEMENTS = 256;

/**
 * The read API's queries on one (read-only) connection, synchronous: run it off the HTTP thread
 * (reader-worker.ts). Rows come out with JSON columns parsed and preview flags as booleans.
 */
export class ReadQueries {
  readonly #db: Database;
  readonly #columns: TableColumns;
  readonly #prepared = new Map<string, Prepared>();

  constructor(db: Database) {
    this.#db = db;
    this.#columns = { traces: this.#tableColumns('traces'), errors: this.#tableColumns('errors') };
  }

  listTraces(params: TraceListParams): Page<TraceListItem> {
    return this.#page('traces', traceListStatement(this.#columns, params), params.limit, 'start_time') as Page<TraceListItem>;
  }

  listErrors(params: ErrorListParams): Page<ErrorListItem> {
    return this.#page('errors', errorListStatement(this.#columns, params), params.limit, 'occurred_at') as Page<ErrorListItem>;
  }

  /** Undefined for an unknown id. One read transaction, so the three parts agree. */
  getTrace(traceId: string): TraceDetail | undefined {
    const sql = traceDetailStatements(this.#columns);
    return this.#db.transaction(() => {
      const trace = this.#prepare(sql.trace).get({ trace_id: traceId }) as Raw | undefined;
      if (!trace) return undefined;
      const ids = { trace_id: traceId, otel_trace_id: trace.otel_trace_id, otel_span_id: trace.otel_span_id };
      const errors = this.#prepare(sql.errors).all(ids) as Raw[];
      const spans = trace.otel_trace_id === null ? [] : (this.#prepare(sql.spans).all({ otel_trace_id: trace.otel_trace_id }) as Raw[]);
      return {
        trace: shape(trace) as TraceItem,
        errors: errors.slice(0, READ_LIMITS.maxLinkedErrors).map((row) => shape(row)) as ErrorItem[],
        spans: spans.slice(0, READ_LIMITS.maxSpans).map((span) => shape(span, PREVIEW_FLAGS.traces)) as TraceListItem[],
        errors_truncated: errors.length > READ_LIMITS.maxLinkedErrors,
        spans_truncated: spans.length > READ_LIMITS.maxSpans,
      };
    })();
  }

  stats(params: StatsParams): StatsResult {
    const { sql, args } = statsStatement(params);
    const rows = this.#prepare(sql).all(args) as StatsRow[];
    return { since: params.since, until: params.until, bucket: params.bucket, group: params.group ?? null, rows };
  }

  #page(table: CursorTable, { sql, args }: Statement, limit: number, time: string): Page<unknown> {
    const rows = this.#prepare(sql).all(args) as Raw[];
    const more = rows.length > limit;
    if (more) rows.length = limit;
    const last = rows.at(-1);
    const next = more && last ? encodeCursor(table, { time: last[time] as number, rowid: last._rowid as number }) : null;
    const items = rows.map((row) => {
      delete row._rowid;
      return shape(row, PREVIEW_FLAGS[table]);
    });
    return { items, next };
  }

  #prepare(sql: string): Prepared {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      // Filters combine into many shapes; a full cache starts over rather than growing.
      if (this.#prepared.size >= MAX_CACHED_STATEMENTS) this.#prepared.clear();
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  #tableColumns(table: string): string[] {
    const columns = (this.#db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    if (columns.length === 0) throw new Error(`no ${table} table: not an oct database, or oct has not created it yet`);
    return columns;
  }
}

/** JSON columns parsed, preview flags as booleans. */
function shape(row: Raw, flags: readonly string[] = []): Raw {
  for (const flag of flags) row[flag] = row[flag] === 1;
  for (const column of JSON_COLUMNS) {
    const value = row[column];
    if (typeof value !== 'string') continue;
    try {
      row[column] = JSON.parse(value);
    } catch {
      // Storage only writes valid JSON; anything else (a hand-edited row) stays text.
    }
  }
  return row;
}
