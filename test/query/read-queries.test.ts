import { describe, expect, it } from 'vitest';
import type { TraceRow } from '../../src/model/events.js';
import { parseErrorListParams, parseTraceListParams, type QueryString } from '../../src/query/params.js';
import { ENGINES, error, trace, type Reads } from './fixture.js';

const T0 = Date.UTC(2026, 0, 30, 12);
const OTEL = 'ab'.repeat(16);

const list = (queries: Reads, query: QueryString) => queries.listTraces(parseTraceListParams(query, T0 + 1000));
const ids = (page: { items: { trace_id: string }[] }) => page.items.map((item) => item.trace_id);

/** Every page of a list, following `next`. */
async function walk(queries: Reads, query: QueryString): Promise<string[]> {
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 100; pages++) {
    const page = await list(queries, { ...query, cursor });
    seen.push(...ids(page));
    if (!page.next) return seen;
    cursor = page.next;
  }
  throw new Error('no last page');
}

describe.each(ENGINES)('listTraces on $name', (engine) => {
  it('pages newest first with ties broken by the key (SQLite: insertion order), each row exactly once', async () => {
    // Seven rows share one start_time: the cursor must not skip or repeat any of them.
    const rows = [
      ...Array.from({ length: 7 }, () => trace({ start_time: T0 })),
      trace({ start_time: T0 - 5 }),
      trace({ start_time: T0 + 5 }),
    ];
    const queries = await engine.open(rows);
    const tied = rows.slice(0, 7).map((r) => r.trace_id);
    const expected = ids(await list(queries, {}));
    expect(expected[0]).toBe(rows[8].trace_id);
    expect(expected.at(-1)).toBe(rows[7].trace_id);
    expect(expected.slice(1, 8).sort()).toEqual([...tied].sort());
    if (engine.name === 'SQLite') expect(expected.slice(1, 8)).toEqual(tied.reverse());
    expect(await walk(queries, { limit: '3' })).toEqual(expected);
    expect(await walk(queries, { limit: '1' })).toEqual(expected);
    const last = await list(queries, { limit: '9' });
    expect(last.next).toBeNull();
  });

  it('filters by every column it accepts, and by a window with since inclusive and until exclusive', async () => {
    const match: Partial<TraceRow> = {
      request_model: 'm1',
      provider: 'anthropic',
      service_name: 'billing',
      kind: 'embedding',
      status: 'error',
      convention: 'otel',
      otel_trace_id: OTEL,
      conversation_id: 'c1',
      user_id: 'u1',
    };
    const target = trace({ ...match, start_time: T0 });
    const others = Object.keys(match).map((column) =>
      trace({ ...match, [column]: column === 'kind' ? 'llm' : column === 'status' ? 'ok' : 'x', start_time: T0 }),
    );
    const queries = await engine.open([target, ...others, trace({ start_time: T0 - 1 }), trace({ start_time: T0 + 1 })]);
    const filters = {
      model: 'm1',
      provider: 'anthropic',
      service: 'billing',
      kind: 'embedding',
      status: 'error',
      convention: 'otel',
      otel_trace_id: OTEL,
      conversation_id: 'c1',
      user_id: 'u1',
    };
    expect(ids(await list(queries, filters))).toEqual([target.trace_id]);
    for (const [name, value] of Object.entries(filters))
      expect(ids(await list(queries, { [name]: value })), name).toContain(target.trace_id);
    expect((await list(queries, { model: 'm1' })).items).toHaveLength(Object.keys(match).length);
    expect((await list(queries, { since: String(T0), until: String(T0 + 1) })).items).toHaveLength(others.length + 1);
  });

  it('filters model by the model asked for, as stats group it, and by the responding model when none was asked for', async () => {
    const asked = trace({ request_model: 'gpt-4o-mini', model: 'gpt-4o-mini-2024-07-18', start_time: T0 });
    const failed = trace({ request_model: 'gpt-4o-mini', model: null, status: 'error', start_time: T0 - 1 });
    const unasked = trace({ request_model: null, model: 'gpt-4o-mini', start_time: T0 - 2 });
    // Asked for gpt-4o, answered by another: it belongs to gpt-4o, as in stats.
    const other = trace({ request_model: 'gpt-4o', model: 'gpt-4o-mini', start_time: T0 - 3 });
    const queries = await engine.open([asked, failed, unasked, other]);
    expect(ids(await list(queries, { model: 'gpt-4o-mini' }))).toEqual([asked.trace_id, failed.trace_id, unasked.trace_id]);
    expect(ids(await list(queries, { model: 'gpt-4o-mini-2024-07-18' }))).toEqual([]);
  });

  it('searches input and output text with q, case-insensitively, literally, within the window', async () => {
    const rows = [
      trace({ input_text: 'Please REFUND order 7', start_time: T0 }),
      trace({ input_text: 'hi', output_text: 'refund issued', start_time: T0 - 1 }),
      trace({ input_text: '100% sure', start_time: T0 - 2 }),
      trace({ input_text: 'refund long ago', start_time: T0 - 8 * 86_400_000 }),
    ];
    const queries = await engine.open(rows);
    expect(ids(await list(queries, { q: 'refund' }))).toEqual([rows[0].trace_id, rows[1].trace_id]);
    expect(ids(await list(queries, { q: '0%' }))).toEqual([rows[2].trace_id]);
    expect(ids(await list(queries, { q: '_' }))).toEqual([]);
    expect(ids(await list(queries, { q: 'refund', since: String(T0 - 9 * 86_400_000), until: String(T0 - 86_400_000) }))).toEqual([
      rows[3].trace_id,
    ]);
  });

  it('shortens texts to 500 characters, says so, and parses JSON columns', async () => {
    const long = '😀'.repeat(600);
    const row = trace({
      input_text: long,
      output_text: 'short',
      attributes: '{"a":1}',
      resource_attributes: '{"r":"x"}',
      finish_reasons: '["stop"]',
      start_time: T0 - 1,
    });
    const queries = await engine.open([row, trace({ input_text: null, output_text: null, start_time: T0 })]);
    const [, item] = (await list(queries, {})).items;
    expect(item.input_text).toBe('😀'.repeat(500));
    expect(item.input_truncated).toBe(true);
    expect(item.output_text).toBe('short');
    expect(item.output_truncated).toBe(false);
    expect(item).toMatchObject({ attributes: { a: 1 }, resource_attributes: { r: 'x' }, finish_reasons: ['stop'], created_at: 1 });
    expect(item).not.toHaveProperty('_key');
    const [empty] = (await list(queries, {})).items;
    expect(empty).toMatchObject({ input_text: null, input_truncated: false });
  });
});

describe.each(ENGINES)('getTrace on $name', (engine) => {
  it('returns the full row, its errors (by llm_trace_id or the same span) and the spans of its OTel trace', async () => {
    const span = '01'.repeat(8);
    const root = trace({ otel_trace_id: OTEL, otel_span_id: '02'.repeat(8), kind: 'agent', start_time: T0 - 10 });
    const call = trace({ otel_trace_id: OTEL, otel_span_id: span, input_text: 'x'.repeat(2000), start_time: T0 });
    const stranger = trace({ otel_trace_id: 'cd'.repeat(16), otel_span_id: span, start_time: T0 });
    const errors = [
      error({ llm_trace_id: call.trace_id, occurred_at: T0 + 2, origin: 'native' }),
      error({ otel_trace_id: OTEL, otel_span_id: span, occurred_at: T0 + 1, origin: 'exception_event', message: 'm'.repeat(3000) }),
      error({ otel_trace_id: OTEL, otel_span_id: '02'.repeat(8), occurred_at: T0 }),
      error({ otel_trace_id: 'cd'.repeat(16), otel_span_id: span, occurred_at: T0 }),
    ];
    const queries = await engine.open([root, call, stranger], errors);
    const detail = (await queries.getTrace(call.trace_id))!;
    expect(detail.trace.trace_id).toBe(call.trace_id);
    expect(detail.trace.input_text).toHaveLength(2000);
    expect(detail.errors.map((e) => e.trace_id)).toEqual([errors[1].trace_id, errors[0].trace_id]);
    expect(detail.errors[0].message).toHaveLength(3000);
    expect(detail.spans.map((s) => s.trace_id)).toEqual([root.trace_id, call.trace_id]);
    expect(detail.spans[1]).toMatchObject({ input_truncated: true });
    expect(detail).toMatchObject({ errors_truncated: false, spans_truncated: false });
  });

  it('gives no spans without an OTel trace id, and undefined for an unknown id', async () => {
    const row = trace();
    const queries = await engine.open([row]);
    expect(await queries.getTrace(row.trace_id)).toMatchObject({ errors: [], spans: [] });
    expect(await queries.getTrace('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe.each(ENGINES)('listErrors on $name', (engine) => {
  it('pages newest first and filters by service, type, origin, ids and message text', async () => {
    const llm = trace();
    const rows = [
      error({ occurred_at: T0 - 1, service_name: 'a', error_type: 'RateLimit', message: 'Too many requests' }),
      error({ occurred_at: T0, service_name: 'b', origin: 'span_status', otel_trace_id: OTEL, otel_span_id: '01'.repeat(8) }),
      error({ occurred_at: T0 - 2, llm_trace_id: llm.trace_id, stacktrace: 's'.repeat(2500) }),
    ];
    const queries = await engine.open([llm], rows);
    const errors = (query: QueryString) => queries.listErrors(parseErrorListParams(query, T0 + 1000));
    const all = [rows[1], rows[0], rows[2]].map((r) => r.trace_id);
    expect(ids(await errors({}))).toEqual(all);
    const first = await errors({ limit: '2' });
    expect([...ids(first), ...ids(await errors({ limit: '2', cursor: first.next! }))]).toEqual(all);
    expect(ids(await errors({ service: 'a' }))).toEqual([rows[0].trace_id]);
    expect(ids(await errors({ error_type: 'RateLimit' }))).toEqual([rows[0].trace_id]);
    expect(ids(await errors({ origin: 'span_status' }))).toEqual([rows[1].trace_id]);
    expect(ids(await errors({ otel_trace_id: OTEL }))).toEqual([rows[1].trace_id]);
    expect(ids(await errors({ llm_trace_id: llm.trace_id }))).toEqual([rows[2].trace_id]);
    expect(ids(await errors({ q: 'too MANY' }))).toEqual([rows[0].trace_id]);
    const item = (await errors({ llm_trace_id: llm.trace_id })).items[0];
    expect(item).toMatchObject({ stacktrace_truncated: true, message_truncated: false });
    expect(item.stacktrace).toHaveLength(2000);
  });
});
