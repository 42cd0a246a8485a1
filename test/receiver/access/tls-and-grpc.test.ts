import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { count, startOct, waitFor, type RunningOct } from '../../helpers.js';
import { chatSpans, TRACE_PATH, TracesResponse } from '../grpc/grpc-client.js';
import { generateCertificate } from './certificate.js';
import { request } from './http-client.js';

const KEY = 'tls-test-key-0123456789';

/** One GenAI chat span through a real SDK pipeline ending in `exporter`. */
async function exportChat(exporter: SpanExporter, model: string): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tls-app' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider
    .getTracer('tls-test')
    .startSpan(`chat ${model}`, { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model } })
    .end();
  await provider.shutdown();
}

/** A raw unary Export over `credentials`, with `metadata`; resolves to the call's status code. */
function grpcExport(
  address: string,
  credentials: grpc.ChannelCredentials,
  metadata: Record<string, string>,
): Promise<grpc.ServiceError | Buffer> {
  const client = new grpc.Client(address, credentials);
  const md = new grpc.Metadata();
  for (const [name, value] of Object.entries(metadata)) md.set(name, value);
  const same = (b: Buffer) => b;
  return new Promise<grpc.ServiceError | Buffer>((resolve) =>
    client.makeUnaryRequest(TRACE_PATH, same, same, chatSpans(1), md, (err, response) => resolve(err ?? response!)),
  ).finally(() => client.close());
}

const grpcAddress = (oct: RunningOct) => `127.0.0.1:${new URL(oct.grpcUrl!).port}`;

describe('TLS (OCT_TLS_CERT_FILE, OCT_TLS_KEY_FILE) with a generated certificate', () => {
  it('serves HTTPS: the real OTLP/HTTP exporter delivers with the key, plain HTTP is not answered', async () => {
    const cert = generateCertificate();
    const oct = await startOct({ tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile, apiKeys: [KEY], batchTimeoutMs: 20 });
    expect(oct.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await exportChat(
      new ProtoTraceExporter({
        url: `${oct.url}/v1/traces`,
        headers: { Authorization: `Bearer ${KEY}` },
        httpAgentOptions: { ca: cert.ca },
      }),
      'gpt-4o',
    );
    await waitFor(() => count(oct.db, 'traces', "model = 'gpt-4o' AND service_name = 'tls-app'") === 1, 5_000, 'the row sent over HTTPS');

    const healthz = await request(oct.url, { path: '/healthz', ca: cert.ca });
    expect(healthz.status).toBe(200);
    await expect(request(oct.url.replace('https:', 'http:'), { path: '/healthz' })).rejects.toThrow();
  });

  it('serves gRPC over TLS: the real gRPC exporter delivers with the key in its metadata', async () => {
    const cert = generateCertificate();
    const oct = await startOct({ tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile, apiKeys: [KEY], batchTimeoutMs: 20 });
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${KEY}`);
    await exportChat(
      new GrpcTraceExporter({ url: `https://${grpcAddress(oct)}`, credentials: grpc.credentials.createSsl(cert.ca), metadata }),
      'claude-sonnet-4',
    );
    await waitFor(() => count(oct.db, 'traces', "model = 'claude-sonnet-4'") === 1, 5_000, 'the row sent over gRPC with TLS');
    // Plain text to the TLS port fails.
    const plain = await grpcExport(grpcAddress(oct), grpc.credentials.createInsecure(), { authorization: `Bearer ${KEY}` });
    expect(plain).toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('API keys on OTLP/gRPC', () => {
  it('ends a call without a key, or with a wrong one, UNAUTHENTICATED before admitting anything; a key in authorization or x-api-key passes', async () => {
    const oct = await startOct({ apiKeys: [KEY, 'second-key-0123'] });
    const insecure = grpc.credentials.createInsecure();
    expect(await grpcExport(grpcAddress(oct), insecure, {})).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'an API key is required: send Authorization: Bearer <key> or x-api-key: <key> (OCT_API_KEY)',
    });
    expect(await grpcExport(grpcAddress(oct), insecure, { authorization: 'Bearer nope' })).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: "the API key is not one of oct's (OCT_API_KEY)",
    });
    const keyed: Record<string, string>[] = [{ authorization: `Bearer ${KEY}` }, { 'x-api-key': 'second-key-0123' }];
    for (const metadata of keyed) {
      const answer = await grpcExport(grpcAddress(oct), insecure, metadata);
      expect(Buffer.isBuffer(answer), JSON.stringify(metadata)).toBe(true);
      expect(TracesResponse.toObject(TracesResponse.decode(answer as Buffer))).toEqual({});
    }
    const health = (await request(oct.url, { path: '/healthz', headers: { authorization: `Bearer ${KEY}` } })).json as {
      receiver: {
        unauthenticated_requests: number;
        otlp_spans_received: number;
        otlp_transports: { grpc: { otlp_requests_failed: number } };
      };
    };
    expect(health.receiver).toMatchObject({
      unauthenticated_requests: 2,
      otlp_spans_received: 2,
      otlp_transports: { grpc: { otlp_requests_failed: 2 } },
    });
  });

  it('lets the real gRPC exporter fail without the key, and stores nothing', async () => {
    const oct = await startOct({ apiKeys: [KEY] });
    const captured = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(captured)] });
    provider
      .getTracer('t')
      .startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } })
      .end();
    const exporter = new GrpcTraceExporter({ url: oct.grpcUrl });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(captured.getFinishedSpans(), resolve));
    await exporter.shutdown();
    expect(result.code).toBe(1); // ExportResultCode.FAILED
    expect(String(result.error)).toContain('16 UNAUTHENTICATED: an API key is required');
    expect(count(oct.db, 'traces')).toBe(0);
  });
});
