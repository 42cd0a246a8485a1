import { ROOT_CONTEXT, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { count, lockDatabase, startOct, waitFor } from '../helpers.js';

type Row = Record<string, unknown>;

const EXPORTERS = [
  { name: 'otlp-proto', make: (url: string) => new OtlpProtoExporter({ url }) },
  { name: 'otlp-proto + gzip', make: (url: string) => new OtlpProtoExporter({ url, compression: 'gzip' as never }) },
  { name: 'otlp-http JSON', make: (url: string) => new OtlpHttpJsonExporter({ url }) },
  { name: 'otlp-http JSON + gzip', make: (url: string) => new OtlpHttpJsonExporter({ url, compression: 'gzip' as never }) },
];

const messages = (role: string, text: string) => JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);

/** What an instrumented app does: a chat call, a failing call, a non-GenAI span, a huge prompt. */
function emitSpans(tracer: Tracer) {
  const ids: Record<string, { traceId: string; spanId: string }> = {};
  const agent = tracer.startSpan('invoke_agent helper', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper' },
  });
  ids.agent = agent.spanContext();
  // No context manager is registered, so children get their parent explicitly.
  const parent = trace.setSpan(ROOT_CONTEXT, agent);
  {
    const chat = tracer.startSpan(
      'chat gpt-4o',
      {
        kind: 2,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 27,
          'gen_ai.usage.output_tokens': 2,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.input.messages': messages('user', '東京の天気は？ 🌧️'),
          'gen_ai.output.messages': messages('assistant', '雨です ☔'),
        },
      },
      parent,
    );
    ids.chat = chat.spanContext();
    chat.end();

    const failing = tracer.startSpan(
      'chat claude',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.request.model': 'claude-x',
          'error.type': 'RateLimitError',
        },
      },
      parent,
    );
    ids.failing = failing.spanContext();
    const err = new Error('429 rate limit reached');
    err.name = 'RateLimitError';
    failing.recordException(err);
    failing.setStatus({ code: SpanStatusCode.ERROR, message: '429 rate limit reached' });
    failing.end();

    const http = tracer.startSpan('GET /weather', { attributes: { 'http.request.method': 'GET' } }, parent);
    ids.http = http.spanContext();
    http.end();

    const huge = tracer.startSpan(
      'chat big',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.input.messages': messages('user', 'ü'.repeat(150_000)),
        },
      },
      parent,
    );
    ids.huge = huge.spanContext();
    huge.end();
  }
  agent.end();
  return ids;
}

describe.each(EXPORTERS)('OpenTelemetry JS SDK exporting with $name', ({ make }) => {
  it('lands GenAI spans as traces rows and failures as errors rows, exactly', async () => {
    const oct = await startOct();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'weather-bot' }),
      spanProcessors: [new BatchSpanProcessor(make(`${oct.url}/v1/traces`))],
    });
    const ids = emitSpans(provider.getTracer('e2e-test', '1.0.0'));
    await provider.forceFlush();
    await waitFor(() => count(oct.db, 'traces') === 4 && count(oct.db, 'errors') === 1, 3_000, 'rows');
    await provider.shutdown();

    const row = (spanId: string) => oct.db.prepare('SELECT * FROM traces WHERE otel_span_id = ?').get(spanId) as Row | undefined;
    const chat = row(ids.chat.spanId)!;
    expect(chat).toMatchObject({
      source: 'otlp',
      convention: 'otel',
      kind: 'llm',
      is_aggregate: 0,
      operation: 'chat',
      otel_trace_id: ids.chat.traceId,
      otel_parent_span_id: ids.agent.spanId,
      service_name: 'weather-bot',
      scope_name: 'e2e-test',
      span_name: 'chat gpt-4o',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o',
      input_text: 'user: 東京の天気は？ 🌧️',
      output_text: 'assistant: 雨です ☔',
      input_tokens: 27,
      output_tokens: 2,
      total_tokens: 29,
      status: 'ok',
      finish_reasons: '["stop"]',
    });
    expect(chat.trace_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chat.duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(chat.attributes as string)).not.toHaveProperty(['gen_ai.input.messages']);

    expect(row(ids.agent.spanId)).toMatchObject({ kind: 'agent', is_aggregate: 1, agent_name: 'helper', otel_parent_span_id: null });
    expect(row(ids.http.spanId)).toBeUndefined();

    const failing = row(ids.failing.spanId)!;
    expect(failing).toMatchObject({
      status: 'error',
      status_message: '429 rate limit reached',
      error_type: 'RateLimitError',
      provider: 'anthropic',
    });
    const error = oct.db.prepare('SELECT * FROM errors').get() as Row;
    expect(error).toMatchObject({
      source: 'otlp',
      origin: 'exception_event',
      llm_trace_id: failing.trace_id,
      otel_span_id: ids.failing.spanId,
      service_name: 'weather-bot',
      span_name: 'chat claude',
      error_type: 'RateLimitError',
      message: '429 rate limit reached',
    });
    expect(error.stacktrace).toContain('RateLimitError: 429 rate limit reached');

    const huge = row(ids.huge.spanId)!;
    expect(huge.input_bytes).toBe(Buffer.byteLength('user: ' + 'ü'.repeat(150_000)));
    expect(Buffer.byteLength(huge.input_text as string)).toBe(65_536);
    expect(huge.input_text as string).toMatch(/^user: ü+$/);

    const health = (await (await fetch(`${oct.url}/healthz`)).json()) as { receiver: Row };
    expect(health.receiver).toMatchObject({
      otlp_spans_received: 5,
      otlp_spans_accepted: 5,
      otlp_spans_ignored: 1,
      otlp_spans_rejected: 0,
    });
  });
});

describe('a retried export', () => {
  it('stores each span once', async () => {
    const oct = await startOct();
    const exporter = new OtlpProtoExporter({ url: `${oct.url}/v1/traces` });
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracer = provider.getTracer('retry');
    const span = tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } });
    span.end();
    await provider.forceFlush();
    await waitFor(() => count(oct.db, 'traces') === 1, 3_000, 'the first copy');
    // Re-send the identical request body, as an SDK does after a lost acknowledgement.
    const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
    const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const memory = new InMemorySpanExporter();
    const again = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const original = again
      .getTracer('retry')
      .startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } });
    original.end();
    const body = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${oct.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      expect(res.status).toBe(200);
    }
    await waitFor(() => oct.runtime.health().pipeline.pending === 0 && count(oct.db, 'traces') === 2, 3_000, 'the retry');
    await new Promise((r) => setTimeout(r, 600));
    expect(count(oct.db, 'traces')).toBe(2);
    expect(oct.runtime.health().pipeline.duplicates).toBe(1);
    await provider.shutdown();
  });
});

describe('back-pressure with a real exporter', () => {
  it('gets a 503 with Retry-After, retries, and delivers every span once', async () => {
    const oct = await startOct({ queueCapacity: 10, batchMaxRows: 5, admissionWaitMs: 0 });
    const lock = lockDatabase(oct.dbPath);
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OtlpProtoExporter({ url: `${oct.url}/v1/traces` }), { maxExportBatchSize: 8 })],
    });
    const tracer = provider.getTracer('retry-after');
    const chat = () => tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } }).end();
    for (let i = 0; i < 8; i++) chat();
    await provider.forceFlush(); // fills 8 of the 10 places; the writer is paused
    for (let i = 0; i < 5; i++) chat();
    const flushed = provider.forceFlush(); // 5 more do not fit: 503, the exporter backs off and retries
    await waitFor(() => oct.runtime.health().receiver.otlp_spans_refused >= 5, 3_000, 'the 503');
    lock.release();
    await flushed;
    // The counter settles after the commit that makes the rows visible: wait for it, then check both.
    await waitFor(() => oct.runtime.health().pipeline.persisted === 13, 5_000, 'all 13 rows persisted');
    await provider.shutdown();
    expect(count(oct.db, 'traces')).toBe(13);
    expect(oct.runtime.health().pipeline).toMatchObject({ persisted: 13, duplicates: 0 });
  });
});
