import { mapLogsRequest } from '../../mapping/map-logs.js';
import type { MappingOptions } from '../../mapping/map-traces.js';
import { countLogRecords, type LogsRequest } from '../../model/otlp.js';
import { decodeLogsJson } from './decode-logs-json.js';
import { decodeLogsProtobuf } from './decode-logs-protobuf.js';
import { LOGS_RESPONSE } from './encode-response.js';
import type { OtlpRouteOptions, OtlpSignal } from './export-signal.js';

export interface OtlpLogsOptions extends MappingOptions, OtlpRouteOptions {}

/**
 * OTLP logs, as every OTLP receiver (`POST /v1/logs`, gRPC LogsService) serves them: GenAI content
 * log records become `content` events that the exporter joins to their span's traces row; GenAI
 * records without valid ids are rejected through `partial_success`; other records are ignored.
 */
export function logsSignal(options: OtlpLogsOptions): OtlpSignal<LogsRequest> {
  return {
    path: '/v1/logs',
    noun: 'logs',
    decode: { protobuf: decodeLogsProtobuf, json: decodeLogsJson },
    count: countLogRecords,
    map: (request) => {
      const { events, rejectedRecords: rejected, rejectionMessage, ignoredRecords: ignored } = mapLogsRequest(request, options);
      return { events, rejected, rejectionMessage, ignored };
    },
    response: LOGS_RESPONSE,
    counters: {
      received: 'otlp_logs_received',
      accepted: 'otlp_logs_accepted',
      refused: 'otlp_logs_refused',
      rejected: 'otlp_logs_rejected',
      ignored: 'otlp_logs_ignored',
    },
    batchSizeSetting: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
  };
}
