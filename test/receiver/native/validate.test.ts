import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS, validateErrors, validateTraces } from '../../../src/receiver/native/validate.js';

const TIME = 'expected an RFC 3339 date-time such as 2024-05-01T12:00:00.000Z, or Unix epoch milliseconds';

/** The problems of an invalid body (fails the test when the body is valid). */
function problemsOf(result: ReturnType<typeof validateTraces> | ReturnType<typeof validateErrors>): string[] {
  if (result.ok) throw new Error('expected the body to be invalid');
  return result.problems;
}

describe('validateTraces', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['missing model', {}, ['model: is required']],
    ['empty model', { model: '' }, ['model: expected a non-empty string']],
    ['model of the wrong type', { model: 5 }, ['model: expected a non-empty string']],
    ['null model (required fields are not nullable)', { model: null }, ['model: expected a non-empty string']],
    ['negative tokens', { model: 'm', input_tokens: -1 }, ['input_tokens: expected a non-negative integer']],
    ['fractional tokens', { model: 'm', output_tokens: 1.5 }, ['output_tokens: expected a non-negative integer']],
    ['tokens as a string', { model: 'm', total_tokens: '3' }, ['total_tokens: expected a non-negative integer']],
    ['tokens past 2^53', { model: 'm', cache_read_tokens: 2 ** 53 }, ['cache_read_tokens: expected a non-negative integer']],
    ['negative cost', { model: 'm', cost_usd: -0.01 }, ['cost_usd: expected a non-negative number']],
    ['negative duration', { model: 'm', duration_ms: -1 }, ['duration_ms: expected a non-negative number']],
    ['ttft as a string', { model: 'm', ttft_ms: '12' }, ['ttft_ms: expected a non-negative number']],
    ['unparseable time', { model: 'm', start_time: 'yesterday' }, [`start_time: ${TIME}`]],
    ['time without a zone', { model: 'm', start_time: '2024-05-01T12:00:00' }, [`start_time: ${TIME}`]],
    ['impossible date', { model: 'm', end_time: '2024-02-30T12:00:00Z' }, [`end_time: ${TIME}`]],
    ['negative epoch ms', { model: 'm', end_time: -5 }, [`end_time: ${TIME}`]],
    ['fractional epoch ms', { model: 'm', start_time: 1.5 }, [`start_time: ${TIME}`]],
    ['leap second (valid RFC 3339, not representable)', { model: 'm', start_time: '2016-12-31T23:59:60Z' }, [`start_time: ${TIME}`]],
    [
      'end before start',
      { model: 'm', start_time: '2024-05-01T12:00:01Z', end_time: '2024-05-01T12:00:00.999Z' },
      ['end_time: must not be before start_time'],
    ],
    [
      'end before start, epoch ms',
      { model: 'm', start_time: 1_714_564_800_000, end_time: 1_714_564_799_999 },
      ['end_time: must not be before start_time'],
    ],
    [
      'epoch seconds',
      { model: 'm', start_time: 1_714_564_800 },
      ['start_time: 1714564800 is before 2000-01-01 in epoch milliseconds; it looks like epoch seconds: send milliseconds (1714564800000)'],
    ],
    ['epoch seconds in end_time too', { model: 'm', end_time: 0 }, [expect.stringMatching(/^end_time: 0 is before 2000-01-01/)]],
    ['short trace id', { model: 'm', otel_trace_id: 'abc' }, ['otel_trace_id: expected 32 hex digits, not all zero']],
    ['all-zero trace id', { model: 'm', otel_trace_id: '0'.repeat(32) }, ['otel_trace_id: expected 32 hex digits, not all zero']],
    ['non-hex span id', { model: 'm', otel_span_id: 'zzzzzzzzzzzzzzzz' }, ['otel_span_id: expected 16 hex digits, not all zero']],
    ['parent span id as a number', { model: 'm', otel_parent_span_id: 12 }, ['otel_parent_span_id: expected 16 hex digits, not all zero']],
    ['unknown field', { model: 'm', input_token: 5 }, ["unknown field 'input_token' (did you mean 'input_tokens'?)"]],
    ['unknown field, nothing close', { model: 'm', colour: 'red' }, ["unknown field 'colour'"]],
    [
      'bad kind',
      { model: 'm', kind: 'chat' },
      ["kind: expected one of 'llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'"],
    ],
    ['bad status', { model: 'm', status: 'failed' }, ["status: expected one of 'ok', 'error'"]],
    ['metadata array', { model: 'm', metadata: [1, 2] }, ['metadata: expected a JSON object']],
    ['metadata string', { model: 'm', metadata: '{"a":1}' }, ['metadata: expected a JSON object']],
    ['input number', { model: 'm', input: 5 }, ['input: expected a string or an array of {role, content} messages']],
    ['message without content', { model: 'm', output: [{ role: 'assistant' }] }, ['output[0].content: is required']],
    ['message that is a string', { model: 'm', input: ['hi'] }, ['input[0]: expected a {role, content} message']],
    ['message with an empty role', { model: 'm', input: [{ role: '', content: 'x' }] }, ['input[0].role: expected a non-empty string']],
    ['finish reason not a string', { model: 'm', finish_reasons: ['stop', 1] }, ['finish_reasons[1]: expected a string']],
    ['finish reasons not an array', { model: 'm', finish_reasons: 'stop' }, ['finish_reasons: expected an array of strings']],
  ])('%s', (_name, item, expected) => {
    expect(problemsOf(validateTraces(item))).toEqual(expected);
  });

  it('accepts every field, and null for the optional ones', () => {
    const full = {
      model: 'm',
      provider: 'p',
      operation: 'chat',
      kind: 'llm',
      input: 'q',
      output: [{ role: 'assistant', content: { a: 1 }, name: 'x' }],
      input_tokens: 0,
      output_tokens: 1,
      total_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0,
      start_time: '2024-05-01T12:00:00+02:00',
      end_time: 1714557600000,
      duration_ms: 0,
      ttft_ms: 0.5,
      status: 'error',
      status_message: 's',
      error_type: 'E',
      finish_reasons: [],
      service_name: 's',
      conversation_id: 'c',
      user_id: 'u',
      tool_name: 't',
      agent_name: 'a',
      otel_trace_id: 'A'.repeat(32),
      otel_span_id: 'b'.repeat(16),
      otel_parent_span_id: 'c'.repeat(16),
      metadata: { nested: { deep: [1] } },
    };
    expect(validateTraces(full)).toEqual({ ok: true, items: [full] });
    const nulls = Object.fromEntries(Object.keys(full).map((k) => [k, k === 'model' ? 'm' : null]));
    expect(validateTraces(nulls).ok).toBe(true);
  });

  it('reports every problem of every item, prefixed with the item index', () => {
    const problems = problemsOf(validateTraces([{ model: 'ok' }, {}, { model: 'm', input_tokens: -1, input_token: 1 }, 7]));
    expect(problems).toEqual([
      '[1].model: is required',
      "[2]: unknown field 'input_token' (did you mean 'input_tokens'?)",
      '[2].input_tokens: expected a non-negative integer',
      '[3]: expected an object',
    ]);
  });

  it(`lists at most ${MAX_PROBLEMS} problems but counts them all`, () => {
    const result = validateTraces(Array.from({ length: 150 }, () => ({})));
    expect(result).toMatchObject({ ok: false, total: 150 });
    const problems = problemsOf(result);
    expect(problems).toHaveLength(MAX_PROBLEMS);
    expect(problems.at(-1)).toBe(`[${MAX_PROBLEMS - 1}].model: is required`);
  });
});

describe('validateErrors', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['missing message', {}, ['message: is required']],
    ['empty message', { message: '' }, ['message: expected a non-empty string']],
    ['bad occurred_at', { message: 'x', occurred_at: '2024-13-01T00:00:00Z' }, [`occurred_at: ${TIME}`]],
    [
      'occurred_at in epoch seconds',
      { message: 'x', occurred_at: 1_714_564_800 },
      [expect.stringMatching(/^occurred_at: 1714564800 is before 2000-01-01 .* epoch seconds/)],
    ],
    ['llm_trace_id not a UUID', { message: 'x', llm_trace_id: 'abc' }, ['llm_trace_id: expected a UUID (a trace_id returned by oct)']],
    ['stacktrace not a string', { message: 'x', stacktrace: ['at a'] }, ['stacktrace: expected a string']],
    ['trace field on an error', { message: 'x', model: 'm' }, ["unknown field 'model'"]],
    ['typo', { message: 'x', stack_trace: 'at a' }, ["unknown field 'stack_trace' (did you mean 'stacktrace'?)"]],
  ])('%s', (_name, item, expected) => {
    expect(problemsOf(validateErrors(item))).toEqual(expected);
  });
});
