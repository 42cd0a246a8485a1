import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { count, startOct, waitFor } from '../helpers.js';

type Row = Record<string, unknown>;

const MODEL = 'gpt-4o-mini-2024-07-18';
const USAGE = { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 };

/** A fake OpenAI-compatible API: `/v1/chat/completions` answers "Paris." (plain JSON, or SSE chunks when streaming). */
async function fakeOpenAI() {
  const requests: { model: string; messages: unknown[]; stream?: boolean }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const request = JSON.parse(body) as (typeof requests)[number];
      requests.push(request);
      const id = `chatcmpl-${requests.length}`;
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 1_760_000_000,
            model: MODEL,
            usage: USAGE,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Paris.' } }],
          }),
        );
        return;
      }
      const chunk = (choices: unknown[], extra = {}) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_760_000_000, model: MODEL, choices, ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk([{ index: 0, delta: { role: 'assistant', content: 'Ma' }, finish_reason: null }]));
      res.write(chunk([{ index: 0, delta: { content: 'drid.' }, finish_reason: null }]));
      res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
      res.write(chunk([], { usage: USAGE }));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('@opentelemetry/instrumentation-openai sending content as log events', () => {
  it('lands the prompt and the completion on the traces row of the chat span', async () => {
    const oct = await startOct({ batchTimeoutMs: 50 });
    const api = await fakeOpenAI();
    cleanups.push(api.close);

    const resource = resourceFromAttributes({ 'service.name': 'capitals' });
    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${oct.url}/v1/traces` }))],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${oct.url}/v1/logs` }) })],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
    const previous = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true'; // read when the instrumentation is created
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setLoggerProvider(loggerProvider);
    // 0.21.0 declares its histograms as class fields, which reset what its base constructor created;
    // setting a meter provider creates them again (no-op ones), or a streamed call throws.
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    instrumentation.enable();
    cleanups.push(async () => {
      instrumentation.disable();
      if (previous === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
      else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = previous;
      logs.disable();
      await tracerProvider.shutdown();
      await loggerProvider.shutdown();
    });

    // instrumentation-openai patches `openai` when it is loaded through require (require-in-the-middle);
    // an ESM `import` under vitest is not patched without Node's loader hook (import-in-the-middle's
    // `--import`), so the client is required here, after the instrumentation is enabled, as a CommonJS
    // app would load it.
    const { default: OpenAIClient } = createRequire(import.meta.url)('openai') as { default: typeof OpenAI };
    const client = new OpenAIClient({ apiKey: 'sk-test', baseURL: api.url, maxRetries: 0 });

    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    expect(answer.choices[0].message.content).toBe('Paris.');
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Capital of Spain?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Madrid.');
    expect(api.requests.map((r) => r.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini']);

    // Logs first, the spans after them: the order a slow span export gives.
    await loggerProvider.forceFlush();
    await waitFor(() => oct.runtime.health().content.pending === 5, 5_000, 'the five content records');
    await tracerProvider.forceFlush();
    await waitFor(() => count(oct.db, 'traces') === 2 && oct.runtime.health().content.pending === 0, 5_000, 'the joined rows');

    const row = (responseId: string) => oct.db.prepare('SELECT * FROM traces WHERE response_id = ?').get(responseId) as Row;
    expect(row('chatcmpl-1')).toMatchObject({
      source: 'otlp',
      convention: 'otel',
      kind: 'llm',
      operation: 'chat',
      service_name: 'capitals',
      scope_name: '@opentelemetry/instrumentation-openai',
      span_name: 'chat gpt-4o-mini',
      provider: 'openai',
      model: MODEL,
      request_model: 'gpt-4o-mini',
      input_tokens: 12,
      output_tokens: 2,
      total_tokens: 14,
      finish_reasons: '["stop"]',
      status: 'ok',
      input_text: 'system: You are terse.\n\nuser: Capital of France?',
      input_bytes: 48,
      output_text: 'assistant: Paris.',
      output_bytes: 17,
    });
    expect(row('chatcmpl-2')).toMatchObject({ input_text: 'user: Capital of Spain?', output_text: 'assistant: Madrid.', input_tokens: 12 });
    expect(oct.runtime.health()).toMatchObject({
      receiver: { otlp_logs_received: 5, otlp_logs_accepted: 5, otlp_logs_ignored: 0, otlp_logs_rejected: 0, otlp_spans_accepted: 2 },
      content: { pending: 0, joined: 5, superseded: 0, expired: 0 },
    });
  });
});
