import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';
import { health, post, rowsOf } from './native-fixture.js';
import { anyNumber, matching } from '../matchers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/v1/errors', () => {
  it('stores every field in its column, linked to a trace posted earlier', async () => {
    const oct = await startOct();
    const call = await post(oct.url, '/api/v1/traces', { model: 'gpt-4o' });
    const llmTraceId = call.body.trace_ids[0];

    const res = await post(oct.url, '/api/v1/errors', {
      message: "Cannot read properties of undefined (reading 'choices')",
      error_type: 'TypeError',
      stacktrace: 'TypeError: Cannot read properties…\n    at handler (app.js:10:5)',
      service_name: 'billing',
      occurred_at: '2024-05-01T14:00:00.5+02:00',
      llm_trace_id: llmTraceId.toUpperCase(),
      otel_trace_id: 'AB'.repeat(16),
      otel_span_id: 'CD'.repeat(8),
      metadata: { route: '/chat' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, trace_ids: [matching(UUID)] });

    const [error] = await rowsOf(oct.db, 'errors', 1);
    expect(error).toEqual({
      trace_id: res.body.trace_ids[0],
      source: 'native',
      origin: 'native',
      llm_trace_id: llmTraceId,
      otel_trace_id: 'ab'.repeat(16),
      otel_span_id: 'cd'.repeat(8),
      otel_parent_span_id: null,
      service_name: 'billing',
      span_name: null,
      error_type: 'TypeError',
      message: "Cannot read properties of undefined (reading 'choices')",
      stacktrace: 'TypeError: Cannot read properties…\n    at handler (app.js:10:5)',
      occurred_at: Date.UTC(2024, 4, 1, 12, 0, 0, 500),
      created_at: anyNumber,
      attributes: '{"route":"/chat"}',
    });
    // The link joins: the error's llm_trace_id is the trace's primary key.
    await rowsOf(oct.db, 'traces', 1);
    expect(oct.db.prepare('SELECT t.model FROM errors e JOIN traces t ON t.trace_id = e.llm_trace_id').get()).toEqual({ model: 'gpt-4o' });
  });

  it('defaults occurred_at to the receipt time and keeps the order of an array', async () => {
    const oct = await startOct();
    const before = Date.now();
    const res = await post(oct.url, '/api/v1/errors', [{ message: 'first' }, { message: 'second', occurred_at: 1714564800000 }]);
    const after = Date.now();
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);

    const rows = await rowsOf(oct.db, 'errors', 2);
    expect(rows.map((r) => [r.trace_id, r.message])).toEqual([
      [res.body.trace_ids[0], 'first'],
      [res.body.trace_ids[1], 'second'],
    ]);
    expect(rows[0]).toMatchObject({ error_type: null, stacktrace: null, service_name: null, llm_trace_id: null, attributes: null });
    expect(rows[0].occurred_at).toBeGreaterThanOrEqual(before);
    expect(rows[0].occurred_at).toBeLessThanOrEqual(after);
    expect(rows[1].occurred_at).toBe(1714564800000);
  });

  it('cuts the message and stack trace to OCT_MAX_TEXT_BYTES', async () => {
    const oct = await startOct({ maxTextBytes: 8 });
    expect((await post(oct.url, '/api/v1/errors', { message: 'ä'.repeat(10), stacktrace: 'at '.repeat(10) })).status).toBe(202);
    const [error] = await rowsOf(oct.db, 'errors', 1);
    expect(error).toMatchObject({ message: 'ääää', stacktrace: 'at at at' });
  });

  it('rejects an invalid error with every problem and stores nothing', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/errors', [
      { message: 'fine' },
      { message: '', llm_trace_id: 'nope', stack_trace: 'x' },
      { error_type: 'E' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid request: 4 problems',
      problems: [
        "[1]: unknown field 'stack_trace' (did you mean 'stacktrace'?)",
        '[1].message: expected a non-empty string',
        '[1].llm_trace_id: expected a UUID (a trace_id returned by oct)',
        '[2].message: is required',
      ],
    });
    // Nothing was offered to the pipeline, so nothing can be stored.
    expect((await health(oct.url)).pipeline.received).toBe(0);
  });
});
