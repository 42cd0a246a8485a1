import type { Router } from 'express';
import { mapTracesRequest, type MappingOptions } from '../../mapping/map-traces.js';
import { decodeTracesJson } from './decode-traces-json.js';
import { decodeTracesProtobuf } from './decode-traces-protobuf.js';
import { encodeExportResponse } from './encode-response.js';
import { countSpans } from '../../model/otlp.js';
import { otlpRouter, type OtlpRouteOptions } from './otlp-route.js';

export interface OtlpTracesOptions extends MappingOptions, OtlpRouteOptions {}

/** `POST /v1/traces`: GenAI spans → traces rows, failures → errors rows (see otlp-route.ts for the HTTP rules). */
export function otlpTracesRouter(options: OtlpTracesOptions): Router {
  return otlpRouter(
    {
      path: '/v1/traces',
      noun: 'traces',
      decode: { protobuf: decodeTracesProtobuf, json: decodeTracesJson },
      count: countSpans,
      map: (request) => {
        const mapped = mapTracesRequest(request, options);
        return {
          events: mapped.events,
          rejected: mapped.rejectedSpans,
          rejectionMessage: mapped.rejectionMessage,
          ignored: mapped.ignoredSpans,
        };
      },
      encodeResponse: (format, partial) =>
        encodeExportResponse(format, partial && { rejectedSpans: partial.rejected, errorMessage: partial.errorMessage }),
      counters: {
        received: 'otlp_spans_received',
        accepted: 'otlp_spans_accepted',
        refused: 'otlp_spans_refused',
        rejected: 'otlp_spans_rejected',
        ignored: 'otlp_spans_ignored',
      },
      batchSizeSetting: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    },
    options,
  );
}
