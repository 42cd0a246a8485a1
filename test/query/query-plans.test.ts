import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/query/cursor.js';
import { parseErrorListParams, parseStatsParams, parseTraceListParams } from '../../src/query/params.js';
import {
  errorListStatement,
  statsStatement,
  traceDetailStatements,
  traceListStatement,
  type TableColumns,
} from '../../src/query/read-sql.js';
import { database } from './fixture.js';

const NOW = Date.UTC(2026, 0, 31);
const OTEL = 'ab'.repeat(16);
const UUID = '4834f50a-e421-446b-8967-c07d2b605b8a';
const window = { since: String(NOW - 86_400_000), until: String(NOW) };
const traceCursor = encodeCursor('traces', { time: NOW, key: 10 });
const errorCursor = encodeCursor('errors', { time: NOW, key: 10 });

const traceLists: Record<string, Record<string, string>> = {
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
};
const errorLists: Record<string, Record<string, string>> = {
  'first page': {},
  'later page': { cursor: errorCursor, ...window },
  service: { service: 'billing' },
  'unindexed type and origin': { error_type: 'E', origin: 'native' },
  otel_trace_id: { otel_trace_id: OTEL },
  llm_trace_id: { llm_trace_id: UUID },
  q: { q: 'timeout' },
};

function shapes(columns: TableColumns): [string, string, Record<string, unknown>][] {
  const out: [string, string, Record<string, unknown>][] = [];
  for (const [name, query] of Object.entries(traceLists)) {
    const { sql, args } = traceListStatement(columns, parseTraceListParams(query, NOW));
    out.push([`traces: ${name}`, sql, args]);
  }
  for (const [name, query] of Object.entries(errorLists)) {
    const { sql, args } = errorListStatement(columns, parseErrorListParams(query, NOW));
    out.push([`errors: ${name}`, sql, args]);
  }
  const detail = traceDetailStatements(columns);
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

describe('query plans', () => {
  it('reach traces and errors through an index in every query shape', () => {
    const { db } = database([]);
    const columns = {
      traces: (db.pragma('table_info(traces)') as { name: string }[]).map((c) => c.name),
      errors: (db.pragma('table_info(errors)') as { name: string }[]).map((c) => c.name),
    };
    const all = shapes(columns);
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
