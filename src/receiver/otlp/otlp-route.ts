import type { IncomingMessage } from 'node:http';
import { mediaType, readBody } from '../body.js';
import { answer, type ErrorDialect } from '../http/answer.js';
import { refuseEarly, requestFormat, type Route } from '../http/route.js';
import { countOtlp, type ReceiverStats } from '../receiver-stats.js';
import { countMetricPoints } from './count-metric-points.js';
import { encodeExportResponse, encodeFullSuccess, encodeStatus, type WireFormat } from './encode-response.js';
import { signalExport, type OtlpRouteOptions, type OtlpSignal } from './export-signal.js';

const WIRE_FORMATS: Record<string, WireFormat> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };
const CONTENT_TYPES: Record<WireFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP errors: a google.rpc.Status in the request's encoding, JSON when that is unknown. */
export function otlpErrors(countFailure: () => void = () => {}): ErrorDialect {
  return {
    encode(req: IncomingMessage, error) {
      const format = WIRE_FORMATS[mediaType(req.headers['content-type'])] ?? 'json';
      return { contentType: CONTENT_TYPES[format], body: encodeStatus(format, error.entry.grpcCode, error.message) };
    },
    countFailure,
  };
}

/** OTLP/HTTP errors, counted in `otlp_requests_failed`. */
function httpErrors(stats: ReceiverStats): ErrorDialect {
  return otlpErrors(() => countOtlp(stats, 'http', 'otlp_requests_failed'));
}

/**
 * `POST <signal.path>`: content type → body (limit, gzip) → the signal's export → answer.
 * The handler never waits for SQLite: 200 means the events are admitted to the queue.
 */
export function otlpRoute<R extends { warnings: string[] }>(signal: OtlpSignal<R>, options: OtlpRouteOptions): Route {
  const exportRequest = signalExport(signal, options);
  return {
    method: 'POST',
    path: signal.path,
    usage: `OTLP ${signal.noun} are sent with POST`,
    errors: httpErrors(options.stats),
    async handle(req, res, memory) {
      const format = requestFormat(req, WIRE_FORMATS, 'application/x-protobuf or application/json');
      await refuseEarly(options.sink, options.admissionWaitMs, req);
      const partial = await exportRequest(await readBody(req, options.maxBodyBytes, memory), format, 'http');
      if (partial) {
        const from = { route: `POST ${signal.path}`, client: req.socket.remoteAddress ?? 'an unknown address' };
        options.rejections.partlyRejected(from, partial.rejected, partial.errorMessage);
      }
      answer(res, 200, CONTENT_TYPES[format], encodeExportResponse(signal.response, format, partial));
    },
  };
}

/**
 * `POST /v1/metrics`: oct stores no metrics, but answers their exports with success (an empty
 * `ExportMetricsServiceResponse`) so SDKs that export metrics by default log no failures; the
 * data points are counted as ignored.
 */
export function otlpMetricsRoute(options: OtlpRouteOptions): Route {
  return {
    method: 'POST',
    path: '/v1/metrics',
    usage: 'OTLP metrics are sent with POST',
    errors: httpErrors(options.stats),
    async handle(req, res, memory) {
      const format = requestFormat(req, WIRE_FORMATS, 'application/x-protobuf or application/json');
      const body = await readBody(req, options.maxBodyBytes, memory);
      countOtlp(options.stats, 'http', 'otlp_metric_points_ignored', countMetricPoints(format, body));
      answer(res, 200, CONTENT_TYPES[format], encodeFullSuccess(format));
    },
  };
}
