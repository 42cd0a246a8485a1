/** A raw OTLP/gRPC client for the cases an SDK exporter cannot produce: garbage, ids, sizes, retry policies. */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const protoRoot = new URL('../../../proto/', import.meta.url).pathname;
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto']);
const TracesRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const TracesResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

export const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export const hexId = (n: number, bytes: number) => Buffer.from(n.toString(16).padStart(bytes * 2, '0'), 'hex');

/** An ExportTraceServiceRequest of GenAI chat spans `first`…`first + n − 1` (span id 0 is invalid), each with `input` as its prompt. */
export function chatSpans(n: number, { first = 1, input = 'hi', traceId = 7 } = {}): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const attr = (key: string, value: object) => ({ key, value });
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: hexId(traceId, 16),
    spanId: hexId(first + i, 8),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: [
      attr('gen_ai.operation.name', { stringValue: 'chat' }),
      attr('gen_ai.request.model', { stringValue: 'gpt-4o' }),
      attr('gen_ai.input.messages', { stringValue: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: input }] }]) }),
    ],
  }));
  const message = TracesRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ scope: { name: 'raw' }, spans }] }] });
  return Buffer.from(TracesRequest.encode(message).finish());
}

export interface RawClient {
  call(path: string, body: Buffer, options?: grpc.CallOptions): Promise<Buffer>;
  close(): void;
}

/** A grpc-js client sending `body` as is; `options` are channel options (compression, retry policy, …). */
export function rawClient(url: string, options: grpc.ChannelOptions = {}): RawClient {
  const client = new grpc.Client(new URL(url).host, grpc.credentials.createInsecure(), options);
  const same = (b: Buffer) => b;
  return {
    call: (path, body, callOptions = {}) =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(path, same, same, body, new grpc.Metadata(), callOptions, (err, response) =>
          err ? reject(err) : resolve(response!),
        ),
      ),
    close: () => client.close(),
  };
}
