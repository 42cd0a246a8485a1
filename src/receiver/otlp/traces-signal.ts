import { mapTracesRequest, type MappingOptions } from '../../mapping/map-traces.js';
import { countSpans, type TracesRequest } from '../../model/otlp.js';
import { decodeTracesJson } from './decode-traces-json.js';
import { decodeTracesProtobuf } from './decode-traces-protobuf.js';
import { TRACES_RESPONSE } from './encode-response.js';
import type { OtlpRouteOptions, OtlpSignal } from './export-signal.js';

export interface OtlpTracesOptions extends MappingOptions, OtlpRouteOptions {}

/** OTLP traces, as every OTLP receiver (`POST /v1/traces`, gRPC TraceService) serves them: GenAI spans → traces rows, failures → errors rows. */
export function tracesSignal(options: OtlpTracesOptions): OtlpSignal<TracesRequest> {
  return {
    path: '/v1/traces',
    noun: 'traces',
    decode: { protobuf: decodeTracesProtobuf, json: decodeTracesJson },
    count: countSpans,
    map: (request) => {
      const { events, rejectedSpans: rejected, rejectionMessage, ignoredSpans: ignored } = mapTracesRequest(request, options);
      return { events, rejected, rejectionMessage, ignored };
    },
    response: TRACES_RESPONSE,
    counters: {
      received: 'otlp_spans_received',
      accepted: 'otlp_spans_accepted',
      refused: 'otlp_spans_refused',
      rejected: 'otlp_spans_rejected',
      ignored: 'otlp_spans_ignored',
    },
    batchSizeSetting: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  };
}
