// A raw OTLP/gRPC client: messages sent as given bytes, so they can be anything.
import * as grpc from '@grpc/grpc-js';

export const SERVICES = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

/** `call(path, body)` resolves with the gRPC status code (0 = OK) and its details. */
export function rawClient(grpcAddress) {
  const client = new grpc.Client(grpcAddress, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const same = (b) => b;
  return {
    call: (path, body) =>
      new Promise((resolve) =>
        client.makeUnaryRequest(path, same, same, body, new grpc.Metadata(), { deadline: Date.now() + 30_000 }, (err) =>
          resolve(err ? { code: err.code, details: err.details } : { code: 0 }),
        ),
      ),
    close: () => client.close(),
  };
}
