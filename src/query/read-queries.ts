import type { Database, Statement as Prepared } from 'better-sqlite3';
import {
  detailOf,
  pageOf,
  statsOf,
  type ErrorListItem,
  type Page,
  type Raw,
  type StatsResult,
  type StatsRow,
  type TraceDetail,
  type TraceListItem,
} from './answers.js';
import type { CursorTable } from './cursor.js';
import type { ErrorListParams, StatsParams, TraceListParams } from './params.js';
import {
  SQLITE,
  errorListStatement,
  statsStatement,
  traceDetailStatements,
  traceListStatement,
  type Statement,
  type TableColumns,
} from './read-sql.js';

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
    return this.#page('traces', traceListStatement(SQLITE, this.#columns, params), params.limit) as Page<TraceListItem>;
  }

  listErrors(params: ErrorListParams): Page<ErrorListItem> {
    return this.#page('errors', errorListStatement(SQLITE, this.#columns, params), params.limit) as Page<ErrorListItem>;
  }

  /** Undefined for an unknown id. One read transaction, so the three parts agree. */
  getTrace(traceId: string): TraceDetail | undefined {
    const sql = traceDetailStatements(SQLITE, this.#columns);
    return this.#db.transaction(() => {
      const trace = this.#prepare(sql.trace).get({ trace_id: traceId }) as Raw | undefined;
      if (!trace) return undefined;
      const ids = { trace_id: traceId, otel_trace_id: trace.otel_trace_id, otel_span_id: trace.otel_span_id };
      const errors = this.#prepare(sql.errors).all(ids) as Raw[];
      const spans = trace.otel_trace_id === null ? [] : (this.#prepare(sql.spans).all({ otel_trace_id: trace.otel_trace_id }) as Raw[]);
      return detailOf(trace, errors, spans);
    })();
  }

  stats(params: StatsParams): StatsResult {
    const { sql, args } = statsStatement(params);
    return statsOf(params, this.#prepare(sql).all(args) as StatsRow[]);
  }

  #page(table: CursorTable, { sql, args }: Statement, limit: number): Page<unknown> {
    return pageOf(table, this.#prepare(sql).all(args) as Raw[], limit);
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
