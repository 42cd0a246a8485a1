import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';
import { post, rowsOf } from './native-fixture.js';
import { anyNumber, matching } from '../matchers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/v1/traces', () => {
  it('stores every field in its column', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', {
      model: 'gpt-4o-2024-08-06',
      provider: 'openai',
      operation: 'text_completion',
      kind: 'agent',
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      ],
      output: 'Hello!',
      input_tokens: 12,
      output_tokens: 3,
      total_tokens: 20,
      cache_read_tokens: 4,
      cache_write_tokens: 5,
      reasoning_tokens: 6,
      cost_usd: 0.00125,
      start_time: '2024-05-01T12:00:00.250Z',
      end_time: 1714564801000,
      duration_ms: 750.5,
      ttft_ms: 120.25,
      status: 'ok',
      status_message: 'fine',
      error_type: 'None',
      finish_reasons: ['stop', 'length'],
      service_name: 'billing',
      conversation_id: 'conv-1',
      user_id: 'user-1',
      tool_name: 'search',
      agent_name: 'planner',
      otel_trace_id: '5B8EFFF798038103D269B633813FC60C',
      otel_span_id: 'EEE19B7EC3C1B174',
      otel_parent_span_id: 'EEE19B7EC3C1B173',
      metadata: { team: 'ml', tries: 2, nested: { a: [1] } },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, trace_ids: [matching(UUID)] });

    const [row] = await rowsOf(oct.db, 'traces', 1);
    expect(row).toEqual({
      trace_id: res.body.trace_ids[0],
      source: 'native',
      convention: 'native',
      kind: 'agent',
      is_aggregate: 0,
      operation: 'text_completion',
      otel_trace_id: '5b8efff798038103d269b633813fc60c',
      otel_span_id: 'eee19b7ec3c1b174',
      otel_parent_span_id: 'eee19b7ec3c1b173',
      service_name: 'billing',
      scope_name: null,
      span_name: null,
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o-2024-08-06',
      input_text: 'system: Be brief.\n\nuser: [{"type":"text","text":"Hi"}]',
      output_text: 'Hello!',
      input_bytes: 54,
      output_bytes: 6,
      input_tokens: 12,
      output_tokens: 3,
      total_tokens: 20,
      cache_read_tokens: 4,
      cache_write_tokens: 5,
      reasoning_tokens: 6,
      cost_usd: 0.00125,
      cost_source: 'reported',
      status: 'ok',
      status_message: 'fine',
      error_type: 'None',
      finish_reasons: '["stop","length"]',
      response_id: null,
      conversation_id: 'conv-1',
      user_id: 'user-1',
      tool_name: 'search',
      agent_name: 'planner',
      start_time: 1714564800250,
      end_time: 1714564801000,
      duration_ms: 750.5,
      ttft_ms: 120.25,
      attributes: '{"team":"ml","tries":2,"nested":{"a":[1]}}',
      resource_attributes: null,
      created_at: anyNumber,
    });
  });

  it('fills the defaults of a minimal trace', async () => {
    const oct = await startOct();
    const before = Date.now();
    const res = await post(oct.url, '/api/v1/traces', {
      model: 'claude-sonnet-4',
      input_tokens: 100,
      output_tokens: 20,
      duration_ms: 1200,
    });
    const after = Date.now();
    expect(res.status).toBe(202);

    const [row] = await rowsOf(oct.db, 'traces', 1);
    expect(row).toEqual({
      trace_id: res.body.trace_ids[0],
      source: 'native',
      convention: 'native',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      otel_trace_id: null,
      otel_span_id: null,
      otel_parent_span_id: null,
      service_name: null,
      scope_name: null,
      span_name: null,
      provider: null,
      model: 'claude-sonnet-4',
      request_model: 'claude-sonnet-4',
      input_text: null,
      output_text: null,
      input_bytes: null,
      output_bytes: null,
      input_tokens: 100,
      output_tokens: 20,
      total_tokens: 120,
      cache_read_tokens: null,
      cache_write_tokens: null,
      reasoning_tokens: null,
      cost_usd: 0.0006, // claude-sonnet-4 at the shipped $3 / $15 per 1M tokens
      cost_source: 'price_table',
      status: 'ok',
      status_message: null,
      error_type: null,
      finish_reasons: null,
      response_id: null,
      conversation_id: null,
      user_id: null,
      tool_name: null,
      agent_name: null,
      start_time: anyNumber,
      end_time: anyNumber,
      duration_ms: 1200,
      ttft_ms: null,
      attributes: null,
      resource_attributes: null,
      created_at: anyNumber,
    });
    // No times given: the call ended when it was received and started duration_ms earlier.
    const end = row.end_time as number;
    expect(end).toBeGreaterThanOrEqual(before);
    expect(end).toBeLessThanOrEqual(after);
    expect(row.start_time).toBe(end - 1200);
  });

  it('treats null like an absent optional field', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', {
      model: 'm',
      provider: null,
      kind: null,
      status: null,
      metadata: null,
      input: null,
    });
    expect(res.status).toBe(202);
    const [row] = await rowsOf(oct.db, 'traces', 1);
    expect(row).toMatchObject({ provider: null, kind: 'llm', status: 'ok', attributes: null, input_text: null, input_bytes: null });
  });

  it('keeps the order of an array and answers the trace_id of each row', async () => {
    const oct = await startOct();
    const items = Array.from({ length: 7 }, (_, i) => ({ model: `model-${i}`, input_tokens: i }));
    const res = await post(oct.url, '/api/v1/traces', items);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(7);
    expect(new Set(res.body.trace_ids).size).toBe(7);

    const rows = await rowsOf(oct.db, 'traces', 7);
    expect(rows.map((r) => [r.trace_id, r.model, r.input_tokens])).toEqual(items.map((item, i) => [res.body.trace_ids[i], item.model, i]));
  });

  it('stores a failed call and an errors row linked to it by llm_trace_id', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', [
      { model: 'ok-model' },
      {
        model: 'gpt-4o',
        status: 'error',
        status_message: 'Rate limit reached for gpt-4o',
        error_type: 'RateLimitError',
        service_name: 'billing',
        start_time: 1714564800000,
        end_time: 1714564800400,
        otel_trace_id: 'ab'.repeat(16),
        otel_span_id: 'cd'.repeat(8),
        otel_parent_span_id: 'ef'.repeat(8),
        metadata: { attempt: 3 },
      },
    ]);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);

    const traces = await rowsOf(oct.db, 'traces', 2);
    expect(traces.map((t) => t.trace_id)).toEqual(res.body.trace_ids);
    expect(traces[1]).toMatchObject({ status: 'error', status_message: 'Rate limit reached for gpt-4o', error_type: 'RateLimitError' });
    const [error] = await rowsOf(oct.db, 'errors', 1);
    expect(error).toEqual({
      trace_id: matching(UUID),
      source: 'native',
      origin: 'native',
      llm_trace_id: res.body.trace_ids[1],
      otel_trace_id: 'ab'.repeat(16),
      otel_span_id: 'cd'.repeat(8),
      otel_parent_span_id: 'ef'.repeat(8),
      service_name: 'billing',
      span_name: null,
      error_type: 'RateLimitError',
      message: 'Rate limit reached for gpt-4o',
      stacktrace: null,
      occurred_at: 1714564800400,
      created_at: anyNumber,
      attributes: '{"attempt":3}',
    });
    expect(error.trace_id).not.toBe(res.body.trace_ids[1]);
  });

  it('cuts long text to OCT_MAX_TEXT_BYTES on a character boundary and keeps the original size', async () => {
    const oct = await startOct({ maxTextBytes: 10, maxAttributesBytes: 64 });
    const input = 'héllo wörld, this is long';
    const res = await post(oct.url, '/api/v1/traces', {
      model: 'm',
      input,
      output: [{ role: 'assistant', content: '😀😀😀' }],
      status: 'error',
      status_message: 'x'.repeat(50),
      metadata: { prompt: 'p'.repeat(200), keep: 1 },
    });
    expect(res.status).toBe(202);

    const [row] = await rowsOf(oct.db, 'traces', 1);
    expect(row).toMatchObject({
      input_text: 'héllo wö',
      input_bytes: Buffer.byteLength(input),
      output_text: 'assistant:',
      output_bytes: 23,
      // A short field: its own 1 KiB bound, not OCT_MAX_TEXT_BYTES.
      status_message: 'x'.repeat(50),
    });
    const attributes = row.attributes as string;
    expect(Buffer.byteLength(attributes)).toBeLessThanOrEqual(64);
    expect(JSON.parse(attributes)).toMatchObject({ 'oct.truncated': true });
    const [error] = await rowsOf(oct.db, 'errors', 1);
    expect(error.message).toBe('x'.repeat(10));
  });
});
