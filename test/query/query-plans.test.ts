import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../dist/storage/postgres/schema.js';
import { encodeCursor, type Cursor } from '../../src/query/cursor.js';
import { parseErrorListParams, parseStatsParams, parseTraceListParams } from '../../src/query/params.js';
import {
  POSTGRES,
  SQLITE,
  errorListStatement,
  positional,
  statsStatement,
  traceDetailStatements,
  traceListStatement,
  type Dialect,
  type TableColumns,
} from '../../src/query/read-sql.js';
import { pgServer } from '../storage/postgres/setup.js';
import { database } from './fixture.js';

const NOW = Date.UTC(2026, 0, 31);
const OTEL = 'ab'.repeat(16);
const UUID = '4834f50a-e421-446b-8967-c07d2b605b8a';
const window = { since: String(NOW - 86_400_000), until: String(NOW) };

const traceLists = (traceCursor: string): Record<string, Record<string, string>> => ({
  'first page': {},
  window,
  'later page': { cursor: traceCursor },
  model: { model: 'gpt-4o', cursor: traceCursor },
  service: { service: 'billing', ...window },
  'unindexed filters': { provider: 'openai', kind: 'llm', status: 'error', convention: 'otel' },
  otel_trace_id: { otel_trace_id: OTEL },
  conversation_id: { conversation_id: 'c1' },
  user_id: { user_id: 'u1', cursor: traceCursor },
  q: { q: 'refund', ...window },
  'q, default window': { q: 'refund' },
});
const errorLists = (errorCursor: string): Record<string, Record<string, string>> => ({
  'first page': {},
  'later page': { cursor: errorCursor, ...window },
  service: { service: 'billing' },
  'unindexed type and origin': { error_type: 'E', origin: 'native' },
  otel_trace_id: { otel_trace_id: OTEL },
  llm_trace_id: { llm_trace_id: UUID },
  q: { q: 'timeout' },
});

/** Every query shape of the read API, with a cursor of the engine's key. */
function shapes(dialect: Dialect, columns: TableColumns, key: Cursor['key']): [string, string, Record<string, unknown>][] {
  const out: [string, string, Record<string, unknown>][] = [];
  for (const [name, query] of Object.entries(traceLists(encodeCursor('traces', { time: NOW, key })))) {
    const { sql, args } = traceListStatement(dialect, columns, parseTraceListParams(query, NOW));
    out.push([`traces: ${name}`, sql, args]);
  }
  for (const [name, query] of Object.entries(errorLists(encodeCursor('errors', { time: NOW, key })))) {
    const { sql, args } = errorListStatement(dialect, columns, parseErrorListParams(query, NOW));
    out.push([`errors: ${name}`, sql, args]);
  }
  const detail = traceDetailStatements(dialect, columns);
  out.push(['detail: trace', detail.trace, { trace_id: UUID }]);
  out.push(['detail: errors', detail.errors, { trace_id: UUID, otel_trace_id: OTEL, otel_span_id: '01'.repeat(8) }]);
  out.push(['detail: spans', detail.spans, { otel_trace_id: OTEL }]);
  for (const bucket of ['hour', 'day', 'all'])
    for (const group of ['', 'model', 'service', 'provider']) {
      const { sql, args } = statsStatement(parseStatsParams({ bucket, group }, NOW));
      out.push([`stats by ${bucket} ${group}`, sql, args]);
    }
  return out;
}

describe('SQLite query plans', () => {
  it('reach traces and errors through an index in every query shape', () => {
    const { db } = database([]);
    const columns = {
      traces: (db.pragma('table_info(traces)') as { name: string }[]).map((c) => c.name),
      errors: (db.pragma('table_info(errors)') as { name: string }[]).map((c) => c.name),
    };
    const all = shapes(SQLITE, columns, 10);
    expect(all.length).toBeGreaterThan(25);
    for (const [name, sql, args] of all) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(args) as { detail: string }[]).map((row) => row.detail);
      const access = plan.filter((step) => /^(SCAN|SEARCH) (traces|errors)\b/.test(step));
      expect(access.length, `${name}: ${plan.join(' | ')}`).toBeGreaterThan(0);
      for (const step of access)
        expect(step, `${name}: ${plan.join(' | ')}`).toMatch(/ USING (COVERING )?(INDEX|INTEGER PRIMARY KEY|ROWID)/);
      // A window, a cursor or an id is a range or lookup on an index, not a walk over all of it.
      if (!/first page|unindexed/.test(name)) {
        for (const step of access) expect(step, `${name}: ${plan.join(' | ')}`).toMatch(/^SEARCH /);
      }
    }
  });
});

describe('PostgreSQL query plans', () => {
  it('reach traces and errors through an index in every query shape, at 100,000 rows over 35 days', async () => {
    const client = new pg.Client(await pgServer().createDatabase());
    await client.connect();
    try {
      await migrate(client);
      // The planner reads tables by size: a few rows are always a sequential scan, so the table must be real-sized.
      await client.query(`
        INSERT INTO traces (trace_id, source, kind, otel_trace_id, otel_span_id, service_name, provider, request_model, model, status,
                            start_time, duration_ms, input_text, conversation_id, user_id)
        SELECT gen_random_uuid()::text, 'otlp', 'llm', md5((i / 5)::text), substr(md5(i::text), 1, 16), 'svc' || (i % 10), 'openai',
               'gpt-' || (i % 7), 'gpt-' || (i % 7), CASE WHEN i % 50 = 0 THEN 'error' ELSE 'ok' END, ${NOW} - i::bigint * 30000, i % 1000, 'hello ' || i, 'c' || (i % 1000), 'u' || (i % 100)
        FROM generate_series(1, 100000) i`);
      await client.query(`
        INSERT INTO errors (trace_id, source, origin, otel_trace_id, otel_span_id, service_name, error_type, message, occurred_at)
        SELECT gen_random_uuid()::text, 'otlp', 'exception_event', md5((i / 5)::text), substr(md5(i::text), 1, 16), 'svc' || (i % 10),
               'E' || (i % 5), 'timeout ' || i, ${NOW} - i::bigint * 30000
        FROM generate_series(1, 20000) i`);
      await client.query('ANALYZE');
      const columnsOf = async (table: string) =>
        (
          await client.query<{ column_name: string }>(
            'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
            [table],
          )
        ).rows.map((row) => row.column_name);
      const columns = { traces: await columnsOf('traces'), errors: await columnsOf('errors') };
      // Stats by day or over one window (30 of the 35 days by default) read most of the table, and filters no index holds may
      // match almost nothing: there a sequential scan is the right plan.
      const all = shapes(POSTGRES, columns, UUID).filter(([name]) => !/^stats by (day|all)|unindexed/.test(name));
      for (const [name, sql, args] of all) {
        const plan = (
          await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${positional({ sql, args }).text}`, positional({ sql, args }).values)
        ).rows
          .map((row) => row['QUERY PLAN'])
          .join('\n');
        expect(plan, name).not.toMatch(/Seq Scan on (traces|errors)/);
      }
    } finally {
      await client.end();
    }
  }, 60_000);
});
