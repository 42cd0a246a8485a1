import { describe, expect, it } from 'vitest';
import { count, startOct, waitFor, type RunningOct } from '../helpers.js';
import {
  CONVERSATION,
  CONVERSATION_INPUT,
  CONVERSATION_OUTPUT,
  TRACE_ID,
  chatSpan,
  keyValues,
  logRecord,
  logsRequest,
  post,
  spanId,
  tracesRequest,
  type RecordSpec,
} from '../logs-fixture.js';

type Row = Record<string, unknown>;

/** A short batch timeout, so each step of a test is written before the next one is sent. */
const FAST = { batchTimeoutMs: 20 };

const row = (oct: RunningOct, span: number) =>
  oct.db.prepare('SELECT * FROM traces WHERE otel_trace_id = ? AND otel_span_id = ?').get(TRACE_ID, spanId(span)) as Row | undefined;

/** The row without what differs between two otherwise identical calls. */
const comparable = (r: Row | undefined) => {
  const { trace_id: _id, created_at: _created, otel_span_id: _span, ...rest } = r ?? {};
  return rest;
};

/** Posts and waits until the pipeline has written everything, so the next step lands in a later batch. */
async function send(oct: RunningOct, path: '/v1/logs' | '/v1/traces', body: string) {
  const res = await post(oct.url, path, body);
  expect(res.status, res.body.toString()).toBe(200);
  await waitFor(() => oct.runtime.health().pipeline.pending === 0, 3_000, 'the write');
}

const records = (span: number, specs: RecordSpec[] = CONVERSATION) => logsRequest(specs.map((s) => logRecord({ ...s, span })));

describe('content sent as log records joins its span', () => {
  it('gives the same row whether the logs come before the span, after it, split across requests, or in the same request', async () => {
    const oct = await startOct(FAST);
    // 1: logs first, then the span.
    await send(oct, '/v1/logs', records(1));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    // 2: the span first, then the logs.
    await send(oct, '/v1/traces', tracesRequest([chatSpan(2)]));
    await send(oct, '/v1/logs', records(2));
    // 3: split: the prompt, the span, then the completion in another request.
    await send(oct, '/v1/logs', records(3, CONVERSATION.slice(0, 2)));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(3)]));
    await send(oct, '/v1/logs', records(3, CONVERSATION.slice(2)));
    // 4: the completion before the prompt, one record per request, the span in between.
    await send(oct, '/v1/logs', records(4, CONVERSATION.slice(2)));
    await send(oct, '/v1/logs', records(4, CONVERSATION.slice(1, 2)));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(4)]));
    await send(oct, '/v1/logs', records(4, CONVERSATION.slice(0, 1)));
    // 5: logs and span posted at once, so they land in the same batch.
    await Promise.all([post(oct.url, '/v1/logs', records(5)), post(oct.url, '/v1/traces', tracesRequest([chatSpan(5)]))]);
    await waitFor(() => oct.runtime.health().pipeline.pending === 0 && count(oct.db, 'traces') === 5, 3_000, 'five rows');

    const first = row(oct, 1)!;
    expect(first).toMatchObject({
      input_text: CONVERSATION_INPUT,
      input_bytes: Buffer.byteLength(CONVERSATION_INPUT),
      output_text: CONVERSATION_OUTPUT,
      output_bytes: Buffer.byteLength(CONVERSATION_OUTPUT),
      model: 'gpt-4o-mini',
      input_tokens: 12,
      service_name: 'weather-bot',
    });
    for (const span of [2, 3, 4, 5]) expect(comparable(row(oct, span)), `span ${span}`).toEqual(comparable(first));
    expect(oct.runtime.health().content).toEqual({ pending: 0, joined: 15, superseded: 0, expired: 0 });
  });

  it('renders log records exactly as the same events on the span', async () => {
    const oct = await startOct(FAST);
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };
    const conversation: RecordSpec[] = [
      { event: 'gen_ai.system.message', body: { content: 'Be terse.' } },
      { event: 'gen_ai.user.message', body: { content: [{ type: 'text', text: 'Weather in Paris?' }] } },
      { event: 'gen_ai.assistant.message', body: { tool_calls: [toolCall] } },
      { event: 'gen_ai.tool.message', body: { id: 'call_1', content: '21°C, sunny' } },
      { event: 'gen_ai.choice', body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Sunny, 21°C.' } } },
      { event: 'gen_ai.choice', body: { index: 1, finish_reason: 'tool_calls', message: {}, tool_calls: [toolCall] } },
    ];
    // The legacy form: the same events as span events, their bodies as attributes.
    const events = conversation.map((c) => ({
      name: c.event,
      timeUnixNano: '1760000000000000000',
      attributes: keyValues(c.body as Record<string, unknown>),
    }));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1, { events }), chatSpan(2)]));
    await send(oct, '/v1/logs', logsRequest(conversation.map((c) => logRecord({ ...c, span: 2, legacyName: true }))));

    const fromSpan = row(oct, 1)!;
    expect(fromSpan.input_text).toBe(
      'system: Be terse.\n\nuser: Weather in Paris?\n\nassistant: [tool_call weather {"city":"Paris"}]\n\ntool: [tool_result call_1] 21°C, sunny',
    );
    expect(fromSpan.output_text).toBe('assistant: Sunny, 21°C.\n\n---\n\nassistant: [tool_call weather {"city":"Paris"}]');
    expect(row(oct, 2)).toMatchObject({
      input_text: fromSpan.input_text,
      input_bytes: fromSpan.input_bytes,
      output_text: fromSpan.output_text,
      output_bytes: fromSpan.output_bytes,
    });
  });

  it('reads the v1.37+ details event (gen_ai.input.messages, gen_ai.output.messages, gen_ai.system_instructions)', async () => {
    const oct = await startOct(FAST);
    const input = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }]);
    const details = {
      'gen_ai.system_instructions': [{ type: 'text', content: 'Be terse.' }], // structured, as the JS logs SDK sends it
      'gen_ai.input.messages': input, // a JSON string, as Python sends it
    };
    const output = {
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }], finish_reason: 'stop' }],
    };
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    await send(
      oct,
      '/v1/logs',
      logsRequest([
        logRecord({ event: 'gen_ai.client.inference.operation.details', attributes: details, span: 1 }),
        logRecord({ event: 'gen_ai.client.inference.operation.details', attributes: output, span: 1, at: 1 }),
      ]),
    );
    expect(row(oct, 1)).toMatchObject({ input_text: 'system: Be terse.\n\nuser: Capital of France?', output_text: 'assistant: Paris.' });
  });

  it('orders messages by record time, then arrival, with system instructions first', async () => {
    const oct = await startOct(FAST);
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    // Sent newest first; the system message is the last one sent and the latest in time.
    await send(
      oct,
      '/v1/logs',
      records(1, [
        { event: 'gen_ai.user.message', body: { content: 'third' }, at: 30 },
        { event: 'gen_ai.user.message', body: { content: 'first' }, at: 10 },
      ]),
    );
    await send(
      oct,
      '/v1/logs',
      records(1, [
        { event: 'gen_ai.assistant.message', body: { content: 'second' }, at: 20 },
        { event: 'gen_ai.user.message', body: { content: 'third, again' }, at: 30 }, // same time as "third": after it, by arrival
        { event: 'gen_ai.system.message', body: { content: 'rules' }, at: 40 },
      ]),
    );
    expect(row(oct, 1)!.input_text).toBe('system: rules\n\nuser: first\n\nassistant: second\n\nuser: third\n\nuser: third, again');
  });

  it('keeps the content the span carried itself, and fills only what it lacks', async () => {
    const oct = await startOct(FAST);
    const spanInput = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'from the span' }] }]);
    await send(oct, '/v1/logs', records(1));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1, {}, { 'gen_ai.input.messages': spanInput })]));
    await send(oct, '/v1/logs', records(1, [{ event: 'gen_ai.user.message', body: { content: 'a later log' }, at: 5 }]));
    expect(row(oct, 1)).toMatchObject({ input_text: 'user: from the span', output_text: CONVERSATION_OUTPUT });
    expect(oct.runtime.health().content).toMatchObject({ pending: 0, joined: 4, superseded: 3 });
  });

  it('cuts joined text to OCT_MAX_TEXT_BYTES on a character boundary and keeps the full size', async () => {
    const oct = await startOct({ ...FAST, maxTextBytes: 100 });
    const long = 'ü'.repeat(80);
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    await send(oct, '/v1/logs', records(1, [{ event: 'gen_ai.user.message', body: { content: long } }]));
    const stored = row(oct, 1)!;
    expect(stored.input_bytes).toBe(Buffer.byteLength(`user: ${long}`));
    expect(stored.input_text).toBe(`user: ${'ü'.repeat(47)}`); // 6 + 94 bytes
  });

  it('turns gen_ai.client.operation.exception into an errors row linked to its span, whichever arrives first', async () => {
    const oct = await startOct(FAST);
    const exception = (span: number) =>
      records(span, [
        {
          event: 'gen_ai.client.operation.exception',
          attributes: {
            'exception.type': 'RateLimitError',
            'exception.message': '429 rate limit reached',
            'exception.stacktrace': 'RateLimitError: 429\n  at x',
            'error.type': '429',
          },
          at: 2,
        },
      ]);
    await send(oct, '/v1/logs', exception(1));
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1), chatSpan(2)]));
    await send(oct, '/v1/logs', exception(2));
    const errors = oct.db.prepare('SELECT * FROM errors ORDER BY otel_span_id').all() as Row[];
    expect(errors).toHaveLength(2);
    for (const [i, error] of errors.entries()) {
      expect(error).toMatchObject({
        source: 'otlp',
        origin: 'exception_event',
        llm_trace_id: row(oct, i + 1)!.trace_id,
        otel_trace_id: TRACE_ID,
        otel_span_id: spanId(i + 1),
        service_name: 'weather-bot',
        error_type: 'RateLimitError',
        message: '429 rate limit reached',
        stacktrace: 'RateLimitError: 429\n  at x',
        occurred_at: 1_760_000_000_002,
      });
      expect(JSON.parse(error.attributes as string)).toEqual({ 'gen_ai.system': 'openai', 'error.type': '429' });
    }
  });

  it('drops and counts content whose span does not arrive within OCT_PENDING_CONTENT_TTL_S', async () => {
    const oct = await startOct({ ...FAST, pendingContentTtlS: 1 });
    await send(oct, '/v1/logs', records(1));
    expect(oct.runtime.health().content).toMatchObject({ pending: 3, expired: 0 });
    await new Promise((r) => setTimeout(r, 1_100));
    // Expired records are removed by the next batch written (another span here).
    await send(oct, '/v1/traces', tracesRequest([chatSpan(2)]));
    expect(oct.runtime.health().content).toMatchObject({ pending: 0, expired: 3 });
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    expect(row(oct, 1)).toMatchObject({ input_text: null, input_bytes: null, output_text: null });
    const writer = new (await import('better-sqlite3')).default(oct.dbPath, { readonly: true });
    expect(writer.prepare('SELECT count(*) AS n FROM pending_content').get()).toEqual({ n: 0 });
    writer.close();
  });

  it('keeps the messages of a joined span until the TTL after its last record, so a late record re-renders the whole text', async () => {
    const oct = await startOct({ ...FAST, pendingContentTtlS: 2 });
    await send(oct, '/v1/traces', tracesRequest([chatSpan(1)]));
    await send(oct, '/v1/logs', records(1, CONVERSATION.slice(0, 2)));
    await new Promise((r) => setTimeout(r, 1_200));
    await send(oct, '/v1/logs', records(1, [{ event: 'gen_ai.user.message', body: { content: 'And Spain?' }, at: 3 }]));
    await new Promise((r) => setTimeout(r, 1_200)); // 2.4 s after the first records, 1.2 s after the last
    await send(oct, '/v1/logs', records(1, CONVERSATION.slice(2)));
    expect(row(oct, 1)).toMatchObject({ input_text: `${CONVERSATION_INPUT}\n\nuser: And Spain?`, output_text: CONVERSATION_OUTPUT });
    expect(oct.runtime.health().content).toMatchObject({ pending: 0, expired: 0 });
  });
});
