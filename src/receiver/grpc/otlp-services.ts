import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../logger.js';
import { octError, OctError } from '../errors.js';
import { countOtlp, type ReceiverStats } from '../receiver-stats.js';
import { countMetricPoints } from '../otlp/count-metric-points.js';
import { encodeExportResponse, encodeFullSuccess, type ExportResponse } from '../otlp/encode-response.js';
import type { SignalExport } from '../otlp/export-signal.js';

/** One OTLP gRPC service: its full name and what its `Export` does with the request's bytes. */
export interface GrpcService {
  /** `opentelemetry.proto.collector.trace.v1.TraceService`. */
  name: string;
  /** Resolves to the `Export…ServiceResponse` bytes, or throws the `OctError` to answer. */
  export: (body: Buffer) => Promise<Buffer>;
}

/** Traces and logs: the signal's shared export, answered with its response type. */
export function signalService(name: string, exportRequest: SignalExport, response: ExportResponse): GrpcService {
  return {
    name,
    export: async (body) => encodeExportResponse(response, 'protobuf', await exportRequest(body, 'protobuf', 'grpc')),
  };
}

/** Metrics: oct stores none, but answers success and counts the data points it dropped. */
export function metricsService(stats: ReceiverStats): GrpcService {
  return {
    name: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
    // Inside the promise, so an undecodable message rejects (INVALID_ARGUMENT, counted) instead of throwing past the handler.
    export: (body) =>
      Promise.resolve().then(() => {
        countOtlp(stats, 'grpc', 'otlp_metric_points_ignored', countMetricPoints('protobuf', body));
        return encodeFullSuccess('protobuf');
      }),
  };
}

const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The service's definition for grpc-js with pass-through (de)serializers: the request's bytes go
 * to oct's own protobuf decoders, never through a second decode into proto-loader objects.
 */
export function serviceDefinition(service: GrpcService): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${service.name}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

/**
 * The unary `Export` handler: success, or the error registry's gRPC code with oct's message.
 * Anything but an `OctError` is a bug, logged and answered INTERNAL.
 */
export function exportHandler(service: GrpcService, stats: ReceiverStats, logger: Logger): grpc.UntypedServiceImplementation {
  const Export: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    service.export(call.request).then(
      (response) => callback(null, response),
      (err: unknown) => {
        countOtlp(stats, 'grpc', 'otlp_requests_failed');
        if (!(err instanceof OctError)) logger.error(`gRPC ${service.name}/Export: ${err instanceof Error ? err.stack : String(err)}`);
        const error = err instanceof OctError ? err : octError('OCT_ERR_INTERNAL');
        callback({ code: error.entry.grpcCode, details: error.message });
      },
    );
  };
  return { Export };
}
