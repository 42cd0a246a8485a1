import type { ResourceSpans, ScopeSpans, Span, SpanEvent, TracesRequest } from '../../model/otlp.js';
import { type JsonContext, uint64 } from './long-integers.js';
import { asObject, attributes, decodeRequestJson, enumValue, hexId, list, objectAt, resourceOf, scopeOf, str } from './otlp-json.js';

/** OTLP/JSON `ExportTraceServiceRequest` into the model, with the readers of otlp-json.ts. */
export function decodeTracesJson(body: Uint8Array): TracesRequest {
  if (body.length === 0) return { resourceSpans: [], warnings: [] };
  return decodeRequestJson(body, 'ExportTraceServiceRequest', (request, context) => ({
    resourceSpans: list(request.resourceSpans ?? request.resource_spans, 'resourceSpans', toResourceSpans, context),
    warnings: context.warnings,
  }));
}

function toResourceSpans(value: unknown, context: JsonContext): ResourceSpans {
  const o = asObject(value);
  return { resource: resourceOf(o, context), scopeSpans: list(o.scopeSpans ?? o.scope_spans, 'scopeSpans', toScopeSpans, context) };
}

function toScopeSpans(value: unknown, context: JsonContext): ScopeSpans {
  const o = asObject(value);
  return { scope: scopeOf(o), spans: list(o.spans, 'spans', toSpan, context) };
}

function toSpan(value: unknown, context: JsonContext): Span {
  const o = asObject(value);
  const status = objectAt(o.status, 'status');
  return {
    traceId: hexId(o.traceId ?? o.trace_id, 'traceId', 32),
    spanId: hexId(o.spanId ?? o.span_id, 'spanId', 16),
    parentSpanId: hexId(o.parentSpanId ?? o.parent_span_id, 'parentSpanId', 16),
    name: str(o.name, 'name'),
    kind: enumValue(o.kind, 'kind', SPAN_KINDS),
    startTimeUnixNano: uint64(o.startTimeUnixNano ?? o.start_time_unix_nano, 'startTimeUnixNano', context),
    endTimeUnixNano: uint64(o.endTimeUnixNano ?? o.end_time_unix_nano, 'endTimeUnixNano', context),
    attributes: attributes(o.attributes, 'attributes', 1, context),
    events: list(o.events, 'events', toEvent, context),
    statusCode: enumValue(status?.code, 'status.code', STATUS_CODES),
    statusMessage: str(status?.message, 'status.message'),
  };
}

function toEvent(value: unknown, context: JsonContext): SpanEvent {
  const o = asObject(value);
  return {
    name: str(o.name, 'name'),
    timeUnixNano: uint64(o.timeUnixNano ?? o.time_unix_nano, 'timeUnixNano', context),
    attributes: attributes(o.attributes, 'attributes', 1, context),
  };
}

const SPAN_KINDS = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);
const STATUS_CODES = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);
