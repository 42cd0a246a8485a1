import pg from 'pg';
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
  POSTGRES,
  errorListStatement,
  positional,
  statsStatement,
  traceDetailStatements,
  traceListStatement,
  type Statement,
  type TableColumns,
} from './read-sql.js';
import { ReadUnavailableError } from './reader-thread.js';
import type { TraceReader } from './trace-reader.js';

export interface PostgresReaderOptions {
  url: string;
  /** Connections for reads, apart from the exporter's (default 4, at least 2): one of them serves stats. */
  connections?: number;
  /** Reads waiting for a connection beyond which new ones are refused (default 64). */
  maxPending?: number;
  /** A read running longer is cancelled by the server (default 30000). */
  statementTimeoutMs?: number;
}

/** int8 (times, counts) and numeric (sums of int8) as numbers, as better-sqlite3 returns them; epoch ms and token sums fit. */
const TYPES = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === 20 || oid === 1700 ? Number : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown),
};

/**
 * The read API on PostgreSQL: small pools of its own whose sessions are read-only and time-limited
 * by the server, so a dashboard query can neither write nor hold up ingest for long. Stats have a
 * connection of their own, as on SQLite a thread: a stats query over a month takes seconds, and
 * a dashboard's several at once must not take every connection from the lists and details.
 */
export class PostgresReader implements TraceReader {
  readonly #pool: pg.Pool;
  readonly #statsPool: pg.Pool;
  readonly #maxPending: number;
  #columns: TableColumns | undefined;
  #pending = 0;
  #shutdown: Promise<void> | undefined;

  constructor(options: PostgresReaderOptions) {
    this.#maxPending = options.maxPending ?? 64;
    const connections = options.connections ?? 4;
    if (!Number.isInteger(connections) || connections < 2) throw new RangeError('connections: expected an integer of at least 2');
    const pool = (max: number) => {
      const created = new pg.Pool({
        connectionString: options.url,
        max,
        connectionTimeoutMillis: 10_000,
        application_name: 'oct-read',
        options: `-c default_transaction_read_only=on -c statement_timeout=${options.statementTimeoutMs ?? 30_000}`,
        types: TYPES,
      });
      // An idle connection the server dropped: the pool forgets it, the next read opens another.
      created.on('error', () => {});
      return created;
    };
    this.#pool = pool(connections - 1);
    this.#statsPool = pool(1);
  }

  async start(): Promise<void> {
    if (this.#shutdown) throw new ReadUnavailableError('the trace reader is shut down');
    const { rows } = await this.#pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name IN ('traces', 'errors') ORDER BY table_name, ordinal_position`,
    );
    const of = (table: string) => rows.filter((row) => row.table_name === table).map((row) => row.column_name);
    const columns = { traces: of('traces'), errors: of('errors') };
    for (const table of ['traces', 'errors'] as const) {
      if (columns[table].length === 0) throw new Error(`no ${table} table: not an oct database, or oct has not created it yet`);
    }
    this.#columns = columns;
  }

  async listTraces(params: TraceListParams): Promise<Page<TraceListItem>> {
    return (await this.#page('traces', traceListStatement(POSTGRES, this.#started(), params), params.limit)) as Page<TraceListItem>;
  }

  async listErrors(params: ErrorListParams): Promise<Page<ErrorListItem>> {
    return (await this.#page('errors', errorListStatement(POSTGRES, this.#started(), params), params.limit)) as Page<ErrorListItem>;
  }

  /** One read-only snapshot, so the three parts agree. */
  getTrace(traceId: string): Promise<TraceDetail | undefined> {
    const sql = traceDetailStatements(POSTGRES, this.#started());
    return this.#run(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const query = async (text: string, args: Record<string, unknown>) =>
          (await client.query<Raw>(positional({ sql: text, args }))).rows;
        const [trace] = await query(sql.trace, { trace_id: traceId });
        if (!trace) return undefined;
        const ids = { trace_id: traceId, otel_trace_id: trace.otel_trace_id, otel_span_id: trace.otel_span_id };
        const errors = await query(sql.errors, ids);
        const spans = trace.otel_trace_id === null ? [] : await query(sql.spans, { otel_trace_id: trace.otel_trace_id });
        return detailOf(trace, errors, spans);
      } finally {
        await client.query('COMMIT');
      }
    });
  }

  async stats(params: StatsParams): Promise<StatsResult> {
    this.#started();
    return statsOf(params, await this.#query<StatsRow>(statsStatement(params), this.#statsPool));
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= Promise.all([this.#pool.end(), this.#statsPool.end()]).then(() => undefined);
    return this.#shutdown;
  }

  async #page(table: CursorTable, statement: Statement, limit: number): Promise<Page<unknown>> {
    return pageOf(table, await this.#query(statement), limit);
  }

  #query<R extends object = Raw>(statement: Statement, pool = this.#pool): Promise<R[]> {
    return this.#run(async (client) => (await client.query<R>(positional(statement))).rows, pool);
  }

  #started(): TableColumns {
    if (this.#shutdown) throw new ReadUnavailableError('the trace reader is shut down');
    if (!this.#columns) throw new ReadUnavailableError('the trace reader is not started');
    return this.#columns;
  }

  /** On a pooled connection; a database that cannot be reached or a read the server cancelled is a 503, not a 500. */
  async #run<T>(read: (client: pg.PoolClient) => Promise<T>, pool = this.#pool): Promise<T> {
    if (this.#pending >= this.#maxPending) throw new ReadUnavailableError('too many reads waiting; retry shortly');
    this.#pending++;
    let client: pg.PoolClient | undefined;
    let failed = false;
    try {
      client = await pool.connect();
      return await read(client);
    } catch (err) {
      failed = true;
      throw unavailable(err);
    } finally {
      this.#pending--;
      // After a failure the connection may be mid-transaction or broken: close it rather than reuse it.
      client?.release(failed);
    }
  }
}

/** Connection failures (a socket error, class 08, 57P0x) and cancelled reads (57014) as ReadUnavailableError. */
function unavailable(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  if (sqlState && !code.startsWith('08') && !code.startsWith('57')) return err;
  return new ReadUnavailableError(`PostgreSQL: ${(err as Error).message}`);
}
