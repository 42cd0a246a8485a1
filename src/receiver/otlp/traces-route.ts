import { mapTracesRequest, type MappingOptions } from '../../mapping/map-traces.js';
import { countSpans } from '../../model/otlp.js';
import type { Route } from '../http/route.js';
import { decodeTracesJson } from './decode-traces-json.js';
import { decodeTracesProtobuf } from './decode-traces-protobuf.js';
import { TRACES_RESPONSE } from './encode-response.js';
import { otlpRoute, type OtlpRouteOptions } from './otlp-route.js';

export interface OtlpTracesOptions extends MappingOptions, OtlpRouteOptions {}

/** `POST /v1/traces`: GenAI spans → traces rows, failures → errors rows (see otlp-route.ts for the HTTP rules). */
export function otlpTracesRoute(options: OtlpTracesOptions): Route {
  return otlpRoute(
    {
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
    },
    options,
  );
}
