import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { count, lockDatabase, startOct, waitFor, type RunningOct } from '../../helpers.js';
import { chatSpans, METRICS_PATH, rawClient, TRACE_PATH, TracesResponse } from './grpc-client.js';

type Row = Record<string, unknown>;

const health = async (oct: RunningOct) =>
  ((await (await fetch(`${oct.url}/healthz`)).json()) as { receiver: Row & { otlp_transports: Record<'http' | 'grpc', Row> } }).receiver;

/** Polls an asynchronous probe (the helpers' `waitFor` takes synchronous ones). */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const messages = (role: string, text: string) => JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);

describe.each([
  { compression: 'none', exporterCompression: undefined },
  { compression: 'gzip', exporterCompression: 'gzip' },
])('the real OTLP/gRPC exporters ($compression)', ({ exporterCompression }) => {
  it('land spans, and content sent as log records, as the same rows as OTLP/HTTP', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const resource = resourceFromAttributes({ 'service.name': 'grpc-app' });
    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: oct.grpcUrl, compression: exporterCompression as never }))],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: oct.grpcUrl, compression: exporterCompression as never }) }),
      ],
    });
    const tracer = tracerProvider.getTracer('@opentelemetry/instrumentation-openai');
    const chat = tracer.startSpan('chat gpt-4o', {
      kind: 2,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 2,
      },
    });
    const logger = loggerProvider.getLogger('@opentelemetry/instrumentation-openai');
    const context = trace.setSpan(ROOT_CONTEXT, chat);
    logger.emit({ eventName: 'gen_ai.user.message', body: { content: 'Capital of France?' }, context });
    logger.emit({ eventName: 'gen_ai.choice', body: { index: 0, finish_reason: 'stop', message: { content: 'Paris.' } }, context });
    chat.end();
    const withText = tracer.startSpan('chat gpt-4o', {
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.input.messages': messages('user', 'hi') },
    });
    withText.end();
    tracer.startSpan('GET /weather').end();
    await loggerProvider.forceFlush();
    await tracerProvider.forceFlush();

    await waitFor(() => oct.db.prepare('SELECT 1 FROM traces WHERE output_text IS NOT NULL').get(), 5_000, 'the joined row');
    const row = oct.db.prepare('SELECT * FROM traces WHERE otel_span_id = ?').get(chat.spanContext().spanId) as Row;
    expect(row).toMatchObject({
      source: 'otlp',
      convention: 'otel',
      kind: 'llm',
      operation: 'chat',
      otel_trace_id: chat.spanContext().traceId,
      service_name: 'grpc-app',
      scope_name: '@opentelemetry/instrumentation-openai',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_model: 'gpt-4o',
      input_text: 'user: Capital of France?',
      output_text: 'assistant: Paris.',
      input_tokens: 12,
      output_tokens: 2,
      total_tokens: 14,
      status: 'ok',
    });
    expect(oct.db.prepare('SELECT input_text FROM traces WHERE otel_span_id = ?').get(withText.spanContext().spanId)).toEqual({
      input_text: 'user: hi',
    });
    expect(count(oct.db, 'traces')).toBe(2);

    const receiver = await health(oct);
    const grpcCounts = {
      otlp_spans_received: 3,
      otlp_spans_accepted: 3,
      otlp_spans_ignored: 1,
      otlp_logs_received: 2,
      otlp_logs_accepted: 2,
    };
    expect(receiver).toMatchObject(grpcCounts);
    expect(receiver.otlp_transports.grpc).toMatchObject({ ...grpcCounts, otlp_requests_failed: 0 });
    expect(receiver.otlp_transports.http).toMatchObject({ otlp_spans_received: 0, otlp_logs_received: 0 });
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
  });
});

describe('OTLP/gRPC answers', () => {
  it('rejects undecodable bytes with INVALID_ARGUMENT and counts the failure', async () => {
    const oct = await startOct();
    const client = rawClient(oct.grpcUrl!);
    await expect(client.call(TRACE_PATH, Buffer.from([0x0a, 0xff, 0xff, 0x01]))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^invalid protobuf: /) as unknown,
    });
    client.close();
    expect((await health(oct)).otlp_transports.grpc).toMatchObject({ otlp_requests_failed: 1, otlp_spans_received: 0 });
  });

  it('rejects spans with invalid ids one by one through partial_success and stores the rest', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const client = rawClient(oct.grpcUrl!);
    const response = TracesResponse.toObject(TracesResponse.decode(await client.call(TRACE_PATH, chatSpans(3, { first: 0 }))), {
      longs: Number,
    });
    client.close();
    expect(response).toMatchObject({
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage:
          '1 span rejected: invalid trace_id or span_id (empty, all zeros or not 32/16 hex digits), first at resourceSpans[0].scopeSpans[0].spans[0]',
      },
    });
    await waitFor(() => count(oct.db, 'traces') === 2, 5_000, 'two rows');
    expect((await health(oct)).otlp_transports.grpc).toMatchObject({
      otlp_spans_received: 3,
      otlp_spans_rejected: 1,
      otlp_spans_accepted: 2,
    });
  });

  it('accepts a message above gRPC’s 4 MiB default, up to OCT_MAX_BODY_BYTES after decompression', async () => {
    const oct = await startOct({ batchTimeoutMs: 20, maxBodyBytes: 8 * 1024 * 1024 });
    const client = rawClient(oct.grpcUrl!);
    const big = chatSpans(1, { input: 'x'.repeat(5 * 1024 * 1024) });
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024);
    await client.call(TRACE_PATH, big);
    await waitFor(() => count(oct.db, 'traces') === 1, 5_000, 'the row');
    expect(oct.db.prepare('SELECT input_bytes FROM traces').get()).toEqual({ input_bytes: Buffer.byteLength('user: ') + 5 * 1024 * 1024 });

    // Compressed, the message is small; decompressed, it is over the limit: never worth retrying.
    const gzipClient = rawClient(oct.grpcUrl!, { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
    await expect(gzipClient.call(TRACE_PATH, chatSpans(1, { first: 2, input: 'x'.repeat(9 * 1024 * 1024) }))).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    client.close();
    gzipClient.close();
    expect(count(oct.db, 'traces')).toBe(1);
  });

  it('answers MetricsService with success and counts the data points it ignores', async () => {
    const oct = await startOct();
    // resource_metrics { scope_metrics { metrics { sum { data_points {} data_points {} } } metrics { gauge { data_points {} } } } }
    const metric = (field: number, points: number) =>
      Buffer.from([0x12, 2 + 2 * points, (field << 3) | 2, 2 * points, ...Array.from({ length: points }, () => [0x0a, 0]).flat()]);
    const scope = Buffer.concat([metric(7, 2), metric(5, 1)]);
    const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    const body = Buffer.concat([Buffer.from([0x0a, resource.length]), resource]);
    const client = rawClient(oct.grpcUrl!);
    expect(await client.call(METRICS_PATH, body)).toEqual(Buffer.alloc(0));
    expect((await health(oct)).otlp_transports.grpc).toMatchObject({ otlp_metric_points_ignored: 3, otlp_requests_failed: 0 });
    // A length prefix past the message's end: undecodable, not an unknown failure.
    await expect(client.call(METRICS_PATH, Buffer.from([0x0a, 0x7f, 0x01]))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect((await health(oct)).otlp_transports.grpc).toMatchObject({ otlp_requests_failed: 1 });
    client.close();
  });
});

describe('a full queue on OTLP/gRPC', () => {
  it('makes an export wait for room, and answers UNAVAILABLE past OCT_ADMISSION_WAIT_MS; a retrying client stores every span once', async () => {
    const oct = await startOct({ queueCapacity: 4, batchMaxRows: 4, batchTimeoutMs: 10, admissionWaitMs: 200 });
    const lock = lockDatabase(oct.dbPath);
    const plain = rawClient(oct.grpcUrl!);
    await plain.call(TRACE_PATH, chatSpans(4, { first: 1 })); // fills the queue; the writer is locked out
    await expect(plain.call(TRACE_PATH, chatSpans(4, { first: 5 }))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });

    // The Go, Java and Python exporters retry UNAVAILABLE; so does grpc-js with a retry policy.
    const retryPolicy = {
      maxAttempts: 5,
      initialBackoff: '0.3s',
      maxBackoff: '1s',
      backoffMultiplier: 2,
      retryableStatusCodes: ['UNAVAILABLE'],
    };
    const serviceConfig = { methodConfig: [{ name: [{ service: 'opentelemetry.proto.collector.trace.v1.TraceService' }], retryPolicy }] };
    const retrying = rawClient(oct.grpcUrl!, { 'grpc.service_config': JSON.stringify(serviceConfig) });
    const retried = retrying.call(TRACE_PATH, chatSpans(4, { first: 5 }));
    await until(async () => ((await health(oct)).otlp_spans_refused as number) >= 8, 'a refused attempt');
    lock.release();
    await retried;
    plain.close();
    retrying.close();
    await waitFor(() => count(oct.db, 'traces') === 8, 5_000, 'eight rows');
    expect(oct.db.prepare('SELECT count(DISTINCT otel_span_id) AS n FROM traces').get()).toEqual({ n: 8 });
  });
});

describe('shutdown with OTLP/gRPC', () => {
  it('stops accepting calls, finishes the call in flight, then drains the queue', async () => {
    const oct = await startOct({ queueCapacity: 4, batchMaxRows: 4, batchTimeoutMs: 10, admissionWaitMs: 10_000 });
    const lock = lockDatabase(oct.dbPath);
    const client = rawClient(oct.grpcUrl!);
    await client.call(TRACE_PATH, chatSpans(4, { first: 1 }));
    const inFlight = client.call(TRACE_PATH, chatSpans(4, { first: 5 })); // waits for room
    await until(async () => (await health(oct)).otlp_spans_received === 8, 'the second call');
    const stopped = oct.runtime.shutdown();
    const late = rawClient(oct.grpcUrl!);
    await expect(late.call(TRACE_PATH, chatSpans(1, { first: 9 }), { deadline: Date.now() + 2_000 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    late.close();
    lock.release();
    await inFlight;
    await stopped;
    client.close();
    const db = new Database(oct.dbPath, { readonly: true });
    expect(count(db, 'traces')).toBe(8);
    db.close();
  });
});
