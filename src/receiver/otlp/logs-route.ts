import type { Router } from 'express';
import { mapLogsRequest } from '../../mapping/map-logs.js';
import type { MappingOptions } from '../../mapping/map-traces.js';
import { decodeLogsJson } from './decode-logs-json.js';
import { decodeLogsProtobuf } from './decode-logs-protobuf.js';
import { encodeLogsExportResponse } from './encode-response.js';
import { countLogRecords } from '../../model/otlp.js';
import { otlpRouter, type OtlpRouteOptions } from './otlp-route.js';

export interface OtlpLogsOptions extends MappingOptions, OtlpRouteOptions {}

/**
 * `POST /v1/logs`, with the HTTP rules of `/v1/traces` (otlp-route.ts): GenAI content log records
 * become `content` events that the exporter joins to their span's traces row; GenAI records
 * without valid ids are rejected through `partial_success`; other records are ignored.
 */
export function otlpLogsRouter(options: OtlpLogsOptions): Router {
  return otlpRouter(
    {
      path: '/v1/logs',
      noun: 'logs',
      decode: { protobuf: decodeLogsProtobuf, json: decodeLogsJson },
      count: countLogRecords,
      map: (request) => {
        const mapped = mapLogsRequest(request, options);
        return {
          events: mapped.events,
          rejected: mapped.rejectedRecords,
          rejectionMessage: mapped.rejectionMessage,
          ignored: mapped.ignoredRecords,
        };
      },
      encodeResponse: (format, partial) =>
        encodeLogsExportResponse(format, partial && { rejectedLogRecords: partial.rejected, errorMessage: partial.errorMessage }),
      counters: {
        received: 'otlp_logs_received',
        accepted: 'otlp_logs_accepted',
        refused: 'otlp_logs_refused',
        rejected: 'otlp_logs_rejected',
        ignored: 'otlp_logs_ignored',
      },
      batchSizeSetting: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
    },
    options,
  );
}
