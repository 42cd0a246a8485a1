import type { Cursor } from './cursor.js';
import { ParamError, READ_LIMITS, type ErrorListParams, type StatsParams, type TraceListParams } from './params.js';

/**
 * The read API's SQL, one builder per query shape, for both engines. Values are always bound
 * parameters (`@name`; PostgreSQL's `$n` come from `positional`); the only names put into the text
 * come from the whitelists below or from the schema itself, so a parameter can never become SQL.
 */

export interface Statement {
  sql: string;
  args: Record<string, unknown>;
}

/** What differs between the engines' SQL. */
export interface Dialect {
  /**
   * The unique column that breaks ties of the time column in lists and pages their cursors:
   * SQLite's rowid (insertion order, and free in every time index), PostgreSQL's primary key.
   */
  key: 'rowid' | 'trace_id';
  /** SQLite's LIKE ignores ASCII case already; PostgreSQL's needs ILIKE. */
  like: 'LIKE' | 'ILIKE';
}

export const SQLITE: Dialect = { key: 'rowid', like: 'LIKE' };
export const POSTGRES: Dialect = { key: 'trace_id', like: 'ILIKE' };

/** A cursor from the other engine (a database moved to PostgreSQL under a page that was open) is a bad parameter. */
export function checkCursor(dialect: Dialect, cursor: Cursor | undefined): void {
  if (cursor && typeof cursor.key !== (dialect.key === 'rowid' ? 'number' : 'string')) {
    throw new ParamError('cursor', 'expected the `next` value of an earlier page of this list');
  }
}

/** `@name` parameters as PostgreSQL's `$1, $2, …`; a name used twice is one parameter. */
export function positional({ sql, args }: Statement): { text: string; values: unknown[] } {
  const names: string[] = [];
  const text = sql.replace(/@(\w+)/g, (_, name: string) => {
    const index = names.indexOf(name);
    return `$${index >= 0 ? index + 1 : names.push(name)}`;
  });
  return { text, values: names.map((name) => args[name]) };
}

/** Column names of each table, in schema order, as the database reports them. */
export interface TableColumns {
  traces: readonly string[];
  errors: readonly string[];
}

interface ListShape {
  table: 'traces' | 'errors';
  time: 'start_time' | 'occurred_at';
  /** Parameter name → column (or indexed expression) compared with `=`. */
  filters: Record<string, string>;
  /** Columns a `q` search looks in. */
  search: readonly string[];
  /** Column → flag telling the client the preview was cut. */
  previews: Record<string, string>;
  previewChars: number;
}

const TRACES: ListShape = {
  table: 'traces',
  time: 'start_time',
  filters: {
    // The model asked for, as stats and the llm_calls view group it (migration 5 indexes it).
    model: 'coalesce(request_model, model)',
    provider: 'provider',
    service: 'service_name',
    kind: 'kind',
    status: 'status',
    convention: 'convention',
    otel_trace_id: 'otel_trace_id',
    conversation_id: 'conversation_id',
    user_id: 'user_id',
  } satisfies Partial<Record<keyof TraceListParams, string>>,
  search: ['input_text', 'output_text'],
  previews: { input_text: 'input_truncated', output_text: 'output_truncated' },
  previewChars: READ_LIMITS.previewChars,
};

const ERRORS: ListShape = {
  table: 'errors',
  time: 'occurred_at',
  filters: {
    service: 'service_name',
    error_type: 'error_type',
    origin: 'origin',
    otel_trace_id: 'otel_trace_id',
    llm_trace_id: 'llm_trace_id',
  } satisfies Partial<Record<keyof ErrorListParams, string>>,
  search: ['message'],
  previews: { message: 'message_truncated', stacktrace: 'stacktrace_truncated' },
  previewChars: READ_LIMITS.errorPreviewChars,
};

/** Names of the boolean flags each list adds to its items. */
export const PREVIEW_FLAGS = { traces: Object.values(TRACES.previews), errors: Object.values(ERRORS.previews) } as const;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every column; with `previewChars`, the shape's long texts cut to that many characters plus their flags. */
function selectList(columns: readonly string[], shape: ListShape, preview: boolean): string {
  return columns
    .map((column) => {
      const flag = shape.previews[column];
      if (!preview || !flag) return quote(column);
      const c = quote(column);
      return `substr(${c}, 1, ${shape.previewChars}) AS ${c}, CASE WHEN length(${c}) > ${shape.previewChars} THEN 1 ELSE 0 END AS ${quote(flag)}`;
    })
    .join(', ');
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first; a page is `limit + 1` rows so the caller knows whether there is a next one. */
function listStatement(
  dialect: Dialect,
  shape: ListShape,
  columns: readonly string[],
  params: TraceListParams | ErrorListParams,
): Statement {
  checkCursor(dialect, params.cursor);
  const { key } = dialect;
  const values = params as unknown as Record<string, unknown>;
  const { time } = shape;
  const where: string[] = [];
  const args: Record<string, unknown> = { limit: params.limit + 1 };
  if (params.since !== undefined) {
    where.push(`${time} >= @since`);
    args.since = params.since;
  }
  if (params.until !== undefined) {
    where.push(`${time} < @until`);
    args.until = params.until;
  }
  if (params.cursor) {
    // The first term is what the time index can range over; the second breaks ties by the key.
    where.push(`${time} <= @cursor_time`, `(${time} < @cursor_time OR ${key} < @cursor_key)`);
    args.cursor_time = params.cursor.time;
    args.cursor_key = params.cursor.key;
  }
  for (const [param, column] of Object.entries(shape.filters)) {
    if (values[param] === undefined) continue;
    where.push(`${column} = @${param}`);
    args[param] = values[param];
  }
  if (params.q !== undefined) {
    where.push(`(${shape.search.map((column) => `${column} ${dialect.like} @q ESCAPE '\\'`).join(' OR ')})`);
    args.q = `%${escapeLike(params.q)}%`;
  }
  const sql =
    `SELECT ${selectList(columns, shape, true)}, ${key} AS _key FROM ${shape.table}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${time} DESC, ${key} DESC LIMIT @limit`;
  return { sql, args };
}

export const traceListStatement = (dialect: Dialect, columns: TableColumns, params: TraceListParams) =>
  listStatement(dialect, TRACES, columns.traces, params);

export const errorListStatement = (dialect: Dialect, columns: TableColumns, params: ErrorListParams) =>
  listStatement(dialect, ERRORS, columns.errors, params);

/** The three statements of one trace's detail: the row (full texts), its errors (full texts), its OTel trace's spans (previews). */
export function traceDetailStatements({ key }: Dialect, columns: TableColumns) {
  return {
    trace: `SELECT ${selectList(columns.traces, TRACES, false)} FROM traces WHERE trace_id = @trace_id`,
    errors:
      `SELECT ${selectList(columns.errors, ERRORS, false)} FROM errors WHERE ${key} IN (` +
      `SELECT ${key} FROM errors WHERE llm_trace_id = @trace_id ` +
      `UNION SELECT ${key} FROM errors WHERE otel_trace_id = @otel_trace_id AND otel_span_id = @otel_span_id` +
      `) ORDER BY occurred_at, ${key} LIMIT ${READ_LIMITS.maxLinkedErrors + 1}`,
    spans:
      `SELECT ${selectList(columns.traces, TRACES, true)} FROM traces WHERE otel_trace_id = @otel_trace_id ` +
      `ORDER BY start_time, ${key} LIMIT ${READ_LIMITS.maxSpans + 1}`,
  };
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** What a group means; "model" is what the caller asked for. */
const GROUP_EXPRESSION = { model: 'coalesce(request_model, model)', service: 'service_name', provider: 'provider' } as const;

/**
 * Per UTC bucket (and group): totals and nearest-rank p50/p95 of duration_ms, over model calls
 * only (is_aggregate = 0, kind llm/embedding) so agent spans do not count their children twice.
 */
export function statsStatement(params: StatsParams): Statement {
  const group = params.group ? GROUP_EXPRESSION[params.group] : 'NULL';
  // Literals, not parameters: JS numbers bind as REAL, and the division must be an integer one.
  const bucket = params.bucket === 'all' ? '0' : `start_time / ${BUCKET_MS[params.bucket]}`;
  const bucketStart = params.bucket === 'all' ? 'CAST(@since AS BIGINT)' : `t.b * ${BUCKET_MS[params.bucket]}`;
  const calls = `FROM traces WHERE start_time >= @since AND start_time < @until AND is_aggregate = 0 AND kind IN ('llm', 'embedding')`;
  // Totals by GROUP BY; percentiles need one sort of the durations, joined on the group's count.
  const sql = `
    WITH totals AS (
      SELECT ${bucket} AS b, ${group} AS g, count(*) AS calls, count(*) FILTER (WHERE status = 'error') AS errors,
             sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
             sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
             sum(cost_usd) AS cost_usd, count(duration_ms) AS n
      ${calls} GROUP BY b, g
    ),
    ranked AS (
      SELECT ${bucket} AS b, ${group} AS g, duration_ms AS d,
             row_number() OVER (PARTITION BY ${bucket}, ${group} ORDER BY duration_ms) AS rn
      ${calls} AND duration_ms IS NOT NULL
    ),
    latency AS (
      SELECT r.b, r.g, max(CASE WHEN rn = (t.n + 1) / 2 THEN d END) AS p50, max(CASE WHEN rn = (95 * t.n + 99) / 100 THEN d END) AS p95
      FROM ranked r JOIN totals t ON t.b = r.b AND t.g IS NOT DISTINCT FROM r.g
      WHERE rn = (t.n + 1) / 2 OR rn = (95 * t.n + 99) / 100
      GROUP BY r.b, r.g
    )
    SELECT ${bucketStart} AS bucket_start, t.g AS "group", calls, errors, input_tokens, output_tokens,
           cache_read_tokens, cache_write_tokens, cost_usd, l.p50 AS p50_ms, l.p95 AS p95_ms
    FROM totals t LEFT JOIN latency l ON l.b = t.b AND l.g IS NOT DISTINCT FROM t.g
    ORDER BY t.b, t.g`;
  return { sql, args: { since: params.since, until: params.until } };
}
