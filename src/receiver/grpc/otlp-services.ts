import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../logger.js';
import { GrpcCode, octError, OctError } from '../errors.js';
import { DECODED_PER_BODY_BYTE, type InflightBudget } from '../inflight-budget.js';
import type { RefusedRequest, RejectionLog } from '../rejection-log.js';
import { countOtlp, type ReceiverStats } from '../receiver-stats.js';
import { countMetricPoints } from '../otlp/count-metric-points.js';
import { encodeExportResponse, encodeFullSuccess, type ExportResponse } from '../otlp/encode-response.js';
import type { SignalExport } from '../otlp/export-signal.js';

/** One OTLP gRPC service: its full name and what its `Export` does with the request's bytes. */
export interface GrpcService {
  /** `opentelemetry.proto.collector.trace.v1.TraceService`. */
  name: string;
  /** Resolves to the `Export…ServiceResponse` bytes, or throws the `OctError` to answer. */
  export: (body: Buffer, from: RefusedRequest) => Promise<Buffer>;
}

/** Traces and logs: the signal's shared export, answered with its response type. */
export function signalService(name: string, exportRequest: SignalExport, response: ExportResponse, rejections: RejectionLog): GrpcService {
  return {
    name,
    export: async (body, from) => {
      const partial = await exportRequest(body, 'protobuf', 'grpc');
      if (partial) rejections.partlyRejected(from, partial.rejected, partial.errorMessage);
      return encodeExportResponse(response, 'protobuf', partial);
    },
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

/** `UNAVAILABLE` of 14, as the log names a gRPC status. */
export const CODE_NAMES = Object.fromEntries(Object.entries(GrpcCode).map(([name, code]) => [code, name])) as Record<GrpcCode, string>;

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
 * Anything but an `OctError` is a bug, logged and answered INTERNAL. grpc-js hands over a message
 * whole (inflated, at most OCT_MAX_BODY_BYTES), so it reserves its in-flight bytes then: the
 * message and its decoded estimate, given back once the call is answered.
 */
export function exportHandler(
  service: GrpcService,
  stats: ReceiverStats,
  budget: InflightBudget,
  logger: Logger,
  rejections: RejectionLog,
): grpc.UntypedServiceImplementation {
  const Export: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const from = { route: `gRPC ${service.name}/Export`, client: call.getPeer() };
    const memory = budget.open();
    const exported = memory.grow((1 + DECODED_PER_BODY_BYTE) * call.request.length)
      ? service.export(call.request, from)
      : Promise.reject(memory.refusal());
    exported
      .finally(() => memory.release())
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          countOtlp(stats, 'grpc', 'otlp_requests_failed');
          if (!(err instanceof OctError)) logger.error(`gRPC ${service.name}/Export: ${err instanceof Error ? err.stack : String(err)}`);
          else rejections.refused(from, err, CODE_NAMES[err.entry.grpcCode]);
          const error = err instanceof OctError ? err : octError('OCT_ERR_INTERNAL');
          callback({ code: error.entry.grpcCode, details: error.message });
        },
      );
  };
  return { Export };
}
