import { describe, expect, it } from 'vitest';
import { ANY_UUID, END, errorRows, map, mapOne, nextSpanId, request, START, TRACE_ID, traceRows } from './fixtures.js';

const CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
};
const EXCEPTION_TIME = START + 400_000_000n;

function exceptionEvent(type: string, message: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'exception',
    time: EXCEPTION_TIME,
    attributes: {
      'exception.type': type,
      'exception.message': message,
      'exception.stacktrace': `${type}: ${message}\n    at call (client.py:10)`,
      ...extra,
    },
  };
}

describe('error rows', () => {
  it('turns an exception event into an error row linked to the traces row (a rate-limited chat call)', () => {
    const spanId = nextSpanId();
    const { row, errors } = mapOne(
      {
        spanId,
        parentSpanId: 'eee19b7ec3c1b173',
        name: 'chat gpt-4o',
        attributes: { ...CHAT, 'error.type': 'RateLimitError' },
        statusCode: 2,
        statusMessage: '429 Rate limit reached',
        events: [exceptionEvent('RateLimitError', 'Rate limit reached for gpt-4o', { 'exception.escaped': 'True' })],
      },
      { resource: { 'service.name': 'chat-api' } },
    );
    expect(row).toMatchObject({
      status: 'error',
      status_message: '429 Rate limit reached',
      error_type: 'RateLimitError',
    });
    expect(errors).toEqual([
      {
        trace_id: ANY_UUID,
        source: 'otlp',
        origin: 'exception_event',
        llm_trace_id: row.trace_id,
        otel_trace_id: TRACE_ID,
        otel_span_id: spanId,
        otel_parent_span_id: 'eee19b7ec3c1b173',
        service_name: 'chat-api',
        span_name: 'chat gpt-4o',
        error_type: 'RateLimitError',
        message: 'Rate limit reached for gpt-4o',
        stacktrace: 'RateLimitError: Rate limit reached for gpt-4o\n    at call (client.py:10)',
        occurred_at: 1760000000400,
        attributes: '{"exception.escaped":"True"}',
      },
    ]);
    expect(errors[0].trace_id).not.toBe(row.trace_id);
  });

  it('synthesises one span_status row for a failed span without an exception event', () => {
    const { row, errors } = mapOne({
      name: 'chat gpt-4o',
      attributes: CHAT,
      statusCode: 2,
      statusMessage: 'upstream timed out',
    });
    expect(row.status).toBe('error');
    expect(errors).toEqual([
      expect.objectContaining({
        origin: 'span_status',
        llm_trace_id: row.trace_id,
        error_type: null,
        message: 'upstream timed out',
        stacktrace: null,
        occurred_at: 1760000000850,
        attributes: null,
      }),
    ]);
  });

  it('treats error.type alone as a failure and uses it as the message when status has none (OpenLIT)', () => {
    const { row, errors } = mapOne({ attributes: { ...CHAT, 'error.type': 'APIConnectionError' }, end: 0n });
    expect(row).toMatchObject({ status: 'error', status_message: null, error_type: 'APIConnectionError' });
    expect(errors).toEqual([
      expect.objectContaining({
        origin: 'span_status',
        error_type: 'APIConnectionError',
        message: 'APIConnectionError',
        occurred_at: 1760000000000, // no end time: the start
      }),
    ]);
  });

  it('gives two rows for two exception events and no span_status row', () => {
    const { row, errors } = mapOne({
      attributes: CHAT,
      statusCode: 2,
      statusMessage: 'gave up',
      events: [exceptionEvent('TimeoutError', 'first try'), exceptionEvent('TimeoutError', 'second try')],
    });
    expect(errors.map((e) => [e.origin, e.message, e.llm_trace_id])).toEqual([
      ['exception_event', 'first try', row.trace_id],
      ['exception_event', 'second try', row.trace_id],
    ]);
  });

  it('fills status_message and error_type of the traces row from the first exception event', () => {
    const { row } = mapOne({ attributes: CHAT, statusCode: 2, events: [exceptionEvent('ValueError', 'bad input')] });
    expect(row).toMatchObject({ status: 'error', status_message: 'bad input', error_type: 'ValueError' });
  });

  it('maps an exception event on a successful span without failing the traces row', () => {
    const { row, errors } = mapOne({ attributes: CHAT, events: [exceptionEvent('RetryError', 'retried once')] });
    expect(row.status).toBe('ok');
    expect(errors).toHaveLength(1);
  });

  it('gives a failing non-GenAI span an unlinked error row under "all" and none under "genai"', () => {
    const httpSpan = {
      name: 'POST /chat',
      kind: 2,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 500 },
      statusCode: 2,
      events: [exceptionEvent('KeyError', "'user'")],
    };
    const all = map(request({ spans: [httpSpan] }), { errorsFrom: 'all' });
    expect(traceRows(all)).toEqual([]);
    expect(all.ignoredSpans).toBe(1);
    expect(errorRows(all)).toEqual([
      expect.objectContaining({ origin: 'exception_event', llm_trace_id: null, span_name: 'POST /chat', message: "'user'" }),
    ]);

    const genai = map(request({ spans: [httpSpan] }), { errorsFrom: 'genai' });
    expect(genai.events).toEqual([]);
    expect(genai.ignoredSpans).toBe(1);
  });

  it('still gives GenAI spans their error rows under "genai"', () => {
    const result = map(request({ spans: [{ attributes: CHAT, statusCode: 2 }] }), { errorsFrom: 'genai' });
    expect(result.events.map((e) => e.type)).toEqual(['trace', 'error']);
  });

  it('cuts message and stack trace to maxTextBytes and falls back to the span end time', () => {
    const { errors } = mapOne(
      {
        attributes: CHAT,
        events: [
          {
            name: 'exception',
            time: 0n,
            attributes: { 'exception.message': 'é'.repeat(100), 'exception.stacktrace': 'x'.repeat(500) },
          },
        ],
      },
      {},
      { maxTextBytes: 51 },
    );
    expect(errors[0]).toMatchObject({
      error_type: null,
      message: 'é'.repeat(25),
      stacktrace: 'x'.repeat(51),
      occurred_at: Number(END / 1_000_000n),
    });
  });
});
