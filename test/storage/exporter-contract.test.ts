import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ERRORS_TABLE, TRACES_TABLE } from '../../src/model/columns.js';
import type { ContentRow, PipelineEvent, TraceRow } from '../../src/model/events.js';
import { errorEvent, traceEvent, traceEvents } from '../factories.js';
import { postgres, sqlite, type Engine, type Opened } from './engines.js';

// The exporter's contract, the same cases on each engine: what a batch stores and how it counts,
// dedupe, bad-row isolation, the log-content join and restarts.

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = '00f067aa0ba902b7';

function content(overrides: Partial<ContentRow> = {}): PipelineEvent {
  return {
    type: 'content',
    row: {
      trace_id: randomUUID(),
      otel_trace_id: TRACE,
      otel_span_id: SPAN,
      record_key: randomUUID(),
      time_unix_nano: 1n,
      system: [],
      input: ['user: hi'],
      output: [],
      error: null,
      fromSpan: false,
      ...overrides,
    },
  };
}

const span = (spanId = SPAN) =>
  traceEvent({
    source: 'otlp',
    otel_trace_id: TRACE,
    otel_span_id: spanId,
    input_text: null,
    input_bytes: null,
    output_text: null,
    output_bytes: null,
  });

const otlpSpans = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    traceEvent({ source: 'otlp', otel_trace_id: TRACE, otel_span_id: (i + 1).toString(16).padStart(16, '0') }),
  );

describe.each<Engine>([sqlite, postgres])('exporter contract on $name', (engine) => {
  it('creates exactly the contract columns, in order', async () => {
    const opened = await engine.open();
    for (const [table, contract] of [
      ['traces', TRACES_TABLE],
      ['errors', ERRORS_TABLE],
    ] as const) {
      expect((await engine.columns(opened, table)).map((c) => c.name)).toEqual(Object.keys(contract));
    }
  });

  it('writes a batch of traces and errors in one go, with created_at, and counts it', async () => {
    const { exporter, query } = await engine.open();
    const before = Date.now();
    const batch = [traceEvent({ attributes: '{"a":"1","n":2}' }), errorEvent(), traceEvent()];
    expect(await exporter.export(batch)).toEqual({
      persisted: 3,
      failed: 0,
      duplicates: 0,
      written: { traces: 2, errors: 1 },
      seconds: expect.any(Number) as number,
    });
    expect(await query('SELECT count(*) AS n FROM traces')).toEqual([{ n: 2 }]);
    expect(await query('SELECT count(*) AS n FROM errors')).toEqual([{ n: 1 }]);
    const [row] = await query<{ created_at: number; start_time: number; trace_id: string }>(
      'SELECT trace_id, created_at, start_time FROM traces WHERE trace_id = ?',
      [batch[0].row.trace_id],
    );
    expect(row.created_at).toBeGreaterThanOrEqual(before - 1);
    expect(row.created_at).toBeLessThanOrEqual(Date.now());
    expect(row.start_time).toBe((batch[0].row as { start_time: number }).start_time);
  });

  it('stores a re-exported span, a repeated native row and a repeated exception once, counting duplicates', async () => {
    const { exporter, query } = await engine.open();
    const first = [...otlpSpans(3), traceEvent()];
    const exception = errorEvent({
      origin: 'exception_event',
      source: 'otlp',
      otel_trace_id: TRACE,
      otel_span_id: SPAN,
      message: 'x'.repeat(20_000),
    });
    expect(await exporter.export([...first, exception])).toEqual({
      persisted: 5,
      failed: 0,
      duplicates: 0,
      written: { traces: 4, errors: 1 },
      seconds: expect.any(Number) as number,
    });
    const again = [...otlpSpans(4), first[3], { ...exception, row: { ...exception.row, trace_id: randomUUID() } } as PipelineEvent];
    expect(await exporter.export(again)).toEqual({
      persisted: 1,
      failed: 0,
      duplicates: 5,
      written: { traces: 1, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    expect(await query('SELECT count(*) AS n FROM traces')).toEqual([{ n: 5 }]);
    expect(await query('SELECT count(*) AS n FROM errors')).toEqual([{ n: 1 }]);
  });

  it('stores the same span twice in one batch once', async () => {
    const { exporter, query } = await engine.open();
    expect(await exporter.export([...otlpSpans(2), ...otlpSpans(2)])).toEqual({
      persisted: 2,
      failed: 0,
      duplicates: 2,
      written: { traces: 2, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    expect(await query('SELECT count(*) AS n FROM traces')).toEqual([{ n: 2 }]);
  });

  it('loses only the row the database refuses', async () => {
    const { exporter, query } = await engine.open();
    const good = traceEvents(4);
    const bad = traceEvent({ kind: 'bogus' as never });
    const badError = errorEvent({ origin: 'nope' as never });
    expect(await exporter.export([good[0], bad, good[1], badError, good[2], good[3]])).toEqual({
      persisted: 4,
      failed: 2,
      duplicates: 0,
      written: { traces: 4, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    const ids = (await query<{ trace_id: string }>('SELECT trace_id FROM traces')).map((r) => r.trace_id).sort();
    expect(ids).toEqual(good.map((e) => e.row.trace_id).sort());
  });

  it('keeps JSON attributes and NUL characters in them readable', async () => {
    const { exporter, query } = await engine.open();
    const attributes = JSON.stringify({ 'gen_ai.system': 'openai', odd: 'a\u0000b', path: 'C:\\u0000' });
    expect(await exporter.export([traceEvent({ attributes, finish_reasons: '["stop","length"]' })])).toMatchObject({ persisted: 1 });
    const [row] = await query<{ attributes: string; finish_reasons: string }>(
      'SELECT CAST(attributes AS TEXT) AS attributes, CAST(finish_reasons AS TEXT) AS finish_reasons FROM traces',
    );
    const parsed = JSON.parse(row.attributes) as Record<string, string>;
    expect(parsed['gen_ai.system']).toBe('openai');
    expect(parsed.odd).toMatch(/^a.b$/);
    expect(parsed.path).toBe('C:\\u0000');
    expect(JSON.parse(row.finish_reasons)).toEqual(['stop', 'length']);
  });

  it('joins content and its span written in one batch, even when another row of the batch is refused', async () => {
    const { exporter, query } = await engine.open();
    const bad = traceEvent({ kind: 'bogus' as never });
    const result = await exporter.export([
      content(),
      bad,
      span(),
      content({ input: [], output: ['assistant: hello'], time_unix_nano: 2n }),
    ]);
    expect(result).toEqual({
      persisted: 3,
      failed: 1,
      duplicates: 0,
      written: { traces: 1, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    expect(exporter.contentStats()).toEqual({ pending: 0, joined: 2, superseded: 0, expired: 0 });
    expect(await query('SELECT input_text, input_bytes, output_text, output_bytes FROM traces')).toEqual([
      { input_text: 'user: hi', input_bytes: 8, output_text: 'assistant: hello', output_bytes: 16 },
    ]);
  });

  it('joins content that arrived before its span, and content that arrives after it, in message order', async () => {
    const { exporter, query } = await engine.open();
    await exporter.export([content({ time_unix_nano: 2n, input: ['user: second'] })]);
    expect(exporter.contentStats()).toMatchObject({ pending: 1, joined: 0 });
    await exporter.export([span()]);
    expect(exporter.contentStats()).toMatchObject({ pending: 0, joined: 1 });
    await exporter.export([content({ time_unix_nano: 1n, input: ['user: first'] })]);
    expect(exporter.contentStats()).toMatchObject({ pending: 0, joined: 2 });
    expect(await query('SELECT input_text FROM traces')).toEqual([{ input_text: 'user: first\n\nuser: second' }]);
  });

  it("keeps the span's own text and counts the log content as superseded", async () => {
    const { exporter, query } = await engine.open();
    await exporter.export([
      traceEvent({ source: 'otlp', otel_trace_id: TRACE, otel_span_id: SPAN, input_text: 'own', output_text: null, output_bytes: null }),
    ]);
    await exporter.export([content({ input: ['user: from log'], output: ['assistant: out'] })]);
    expect(exporter.contentStats()).toEqual({ pending: 0, joined: 1, superseded: 1, expired: 0 });
    await exporter.export([content({ input: ['user: only input'] })]);
    expect(exporter.contentStats()).toEqual({ pending: 0, joined: 2, superseded: 2, expired: 0 });
    expect(await query('SELECT input_text, output_text FROM traces')).toEqual([{ input_text: 'own', output_text: 'assistant: out' }]);
  });

  it('links an exception record to its span, whichever arrives first', async () => {
    const { exporter, query } = await engine.open();
    const exception = (spanId: string) =>
      content({
        otel_span_id: spanId,
        input: [],
        error: errorEvent({ origin: 'exception_event', source: 'otlp', otel_trace_id: TRACE, otel_span_id: spanId }).row as never,
      });
    await exporter.export([exception('0000000000000001')]);
    await exporter.export([span('0000000000000001'), span('0000000000000002')]);
    await exporter.export([exception('0000000000000002')]);
    const rows = await query<{ linked: string; span: string }>(
      'SELECT e.otel_span_id AS span, t.otel_span_id AS linked FROM errors e JOIN traces t ON t.trace_id = e.llm_trace_id ORDER BY e.otel_span_id',
    );
    expect(rows).toEqual([
      { span: '0000000000000001', linked: '0000000000000001' },
      { span: '0000000000000002', linked: '0000000000000002' },
    ]);
  });

  it('keeps waiting content across a restart', async () => {
    const opened = await engine.open();
    await opened.exporter.export([content(), content({ record_key: 'k' }), content({ record_key: 'k' })]);
    expect(opened.exporter.contentStats()).toMatchObject({ pending: 2 });
    const again = await opened.reopen();
    expect(again.exporter.contentStats()).toMatchObject({ pending: 2 });
    expect(await again.exporter.export([span()])).toEqual({
      persisted: 1,
      failed: 0,
      duplicates: 0,
      written: { traces: 1, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    expect(again.exporter.contentStats()).toMatchObject({ pending: 0, joined: 2 });
    expect(await again.query('SELECT input_text FROM traces')).toEqual([{ input_text: 'user: hi\n\nuser: hi' }]);
  });

  describe('a call traced twice', () => {
    const call = (spanId: string, parent: string | null, overrides: Partial<TraceRow> = {}) =>
      traceEvent({
        source: 'otlp',
        otel_trace_id: TRACE,
        otel_span_id: spanId,
        otel_parent_span_id: parent,
        start_time: 1_000,
        end_time: 2_000,
        ...overrides,
      });
    const outer = () => call('00000000000000a1', null, { model: 'gpt-4o', span_name: 'outer' });
    const inner = () => call('00000000000000a2', '00000000000000a1', { model: 'gpt-4o-2024-08-06', span_name: 'inner' });
    const marks = async (query: Opened['query']) =>
      query<{ span_name: string; is_aggregate: number }>('SELECT span_name, is_aggregate FROM traces ORDER BY span_name');

    it.each([
      ['parent first, in separate batches', (p: PipelineEvent, c: PipelineEvent) => [[p], [c]]],
      ['child first, in separate batches', (p: PipelineEvent, c: PipelineEvent) => [[c], [p]]],
      ['child first, in one batch', (p: PipelineEvent, c: PipelineEvent) => [[c, p]]],
    ])('marks the parent that repeats its child, %s', async (_, order) => {
      const { exporter, query } = await engine.open();
      for (const batch of order(outer(), inner())) await exporter.export(batch);
      expect(await marks(query)).toEqual([
        { span_name: 'inner', is_aggregate: 0 },
        { span_name: 'outer', is_aggregate: 1 },
      ]);
    });

    it('leaves a parent whose children are other calls unmarked', async () => {
      const { exporter, query } = await engine.open();
      await exporter.export([
        outer(),
        call('00000000000000b1', '00000000000000a1', { model: 'claude', input_tokens: 1, span_name: 'other 1' }),
        call('00000000000000b2', '00000000000000a1', { model: 'claude', input_tokens: 2, span_name: 'other 2' }),
      ]);
      expect((await marks(query)).map((r) => r.is_aggregate)).toEqual([0, 0, 0]);
    });

    it('marks the parent once a second process stores the child', async () => {
      const first = await engine.open();
      await first.exporter.export([outer()]);
      const second = await first.reopen();
      await second.exporter.export([inner()]);
      expect(await marks(second.query)).toEqual([
        { span_name: 'inner', is_aggregate: 0 },
        { span_name: 'outer', is_aggregate: 1 },
      ]);
    });
  });

  it('writes many batches handed over at once, in order, all of them', async () => {
    const { exporter, query } = await engine.open();
    const batches = Array.from({ length: 16 }, () => traceEvents(50));
    const results = await Promise.all(batches.map((b) => exporter.export(b)));
    expect(results.every((r) => r.persisted === 50)).toBe(true);
    expect(await query('SELECT count(*) AS n FROM traces')).toEqual([{ n: 800 }]);
  });

  it('shuts down idempotently and refuses batches after shutdown', async () => {
    const { exporter } = await engine.open();
    const first = exporter.shutdown();
    expect(exporter.shutdown()).toBe(first);
    await first;
    await expect(exporter.export(traceEvents(1))).rejects.toThrow(/not running/);
  });
});

describe('the schema on both engines', () => {
  it('has the same indexes on traces and errors', async () => {
    const onSqlite = await (
      await sqlite.open()
    ).query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('traces', 'errors') AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    );
    const onPostgres = await (
      await postgres.open()
    ).query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('traces', 'errors') AND indexname NOT LIKE '%_pkey' ORDER BY name",
    );
    expect(onPostgres.map((i) => i.name)).toEqual(onSqlite.map((i) => i.name));
  });
});
