/**
 * Entry point for OTLP traces: one decoded request → pipeline events.
 *
 * Each valid span is mapped on its own (no cross-span state, so children may arrive before
 * their parents): a GenAI span gives a `traces` row, and any span may give `errors` rows.
 * Spans with invalid ids give nothing and are counted for OTLP `partial_success`.
 */
import type { PipelineEvent, TraceRow } from '../model/events.js';
import { cutText } from '../model/text.js';
import type { Attributes, Span, TracesRequest } from '../model/otlp.js';
import { attributesJson, toStr } from './attributes.js';
import { detectFamily } from './classify.js';
import { errorRowsOf, type SpanIdentity } from './errors.js';
import type { MappingOptions } from './options.js';
import { hasValidIds, isSpanId, rejectionMessage } from './otlp-ids.js';
import { SpanView } from './span-view.js';
import { traceRowOf } from './trace-row.js';

export type { MappingOptions };

export interface MappingResult {
  /** Trace rows and error rows of the whole request, in span order. */
  events: PipelineEvent[];
  /** Spans with an invalid trace or span id: no rows. */
  rejectedSpans: number;
  rejectionMessage: string | null;
  /** Valid non-GenAI spans (no traces row, maybe error rows). */
  ignoredSpans: number;
}

export function mapTracesRequest(request: TracesRequest, options: MappingOptions): MappingResult {
  const result: MappingResult = { events: [], rejectedSpans: 0, rejectionMessage: null, ignoredSpans: 0 };
  let firstRejected = '';
  for (let i = 0; i < request.resourceSpans.length; i++) {
    const resourceSpans = request.resourceSpans[i];
    const resource = new ResourceContext(resourceSpans.resource, options);
    for (let j = 0; j < resourceSpans.scopeSpans.length; j++) {
      const scopeSpans = resourceSpans.scopeSpans[j];
      for (let k = 0; k < scopeSpans.spans.length; k++) {
        const span = scopeSpans.spans[k];
        if (!hasValidIds(span)) {
          if (result.rejectedSpans++ === 0) firstRejected = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
          continue;
        }
        mapSpan(new SpanView(span, scopeSpans.scope.name, resourceSpans.resource), resource, options, result);
      }
    }
  }
  if (result.rejectedSpans > 0) {
    const reason = 'invalid trace_id or span_id (empty, all zeros or not 32/16 hex digits)';
    result.rejectionMessage = rejectionMessage(result.rejectedSpans, 'span', reason, firstRejected);
  }
  return result;
}

function mapSpan(view: SpanView, resource: ResourceContext, options: MappingOptions, result: MappingResult): void {
  const identity = identityOf(view.span, resource, options.maxTextBytes);
  const family = detectFamily(view);
  let trace: TraceRow | null = null;
  if (family === null) {
    result.ignoredSpans++;
  } else {
    trace = traceRowOf(view, family, identity, resource.attributesJson(), options);
    options.costs.apply(trace);
    result.events.push({ type: 'trace', row: trace });
  }
  if (trace === null && options.errorsFrom === 'genai') return;
  for (const row of errorRowsOf(view.span, identity, trace?.trace_id ?? null, options)) {
    result.events.push({ type: 'error', row });
  }
}

function identityOf(span: Span, resource: ResourceContext, maxTextBytes: number): SpanIdentity {
  return {
    otel_trace_id: span.traceId,
    otel_span_id: span.spanId,
    otel_parent_span_id: isSpanId(span.parentSpanId) ? span.parentSpanId : null,
    // OpenLIT also sets service.name on spans; the resource's wins.
    service_name: resource.serviceName ?? cutText(toStr(span.attributes.get('service.name')), maxTextBytes),
    span_name: cutText(span.name || null, maxTextBytes),
  };
}

/** Per-resource values, computed once for all its spans. */
class ResourceContext {
  readonly serviceName: string | null;
  readonly #attributes: Attributes;
  readonly #maxAttributesBytes: number;
  #json: string | null | undefined;

  constructor(attributes: Attributes, options: MappingOptions) {
    this.#attributes = attributes;
    this.#maxAttributesBytes = options.maxAttributesBytes;
    this.serviceName = cutText(toStr(attributes.get('service.name')), options.maxTextBytes);
  }

  attributesJson(): string | null {
    if (this.#json === undefined) this.#json = attributesJson(this.#attributes, this.#maxAttributesBytes);
    return this.#json;
  }
}
