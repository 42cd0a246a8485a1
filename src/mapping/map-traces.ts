/**
 * Entry point for OTLP traces: one decoded request → pipeline events.
 *
 * Each valid span is mapped on its own (no cross-span state, so children may arrive before
 * their parents): a GenAI span gives a `traces` row, and any span may give `errors` rows. A
 * span with system instructions but no messages also gives a `content` event holding them.
 * Spans with invalid ids give nothing and are counted for OTLP `partial_success`.
 */
import { randomUUID } from 'node:crypto';
import type { ContentRow, PipelineEvent, TraceRow } from '../model/events.js';
import { shortText } from '../model/text.js';
import type { Attributes, Span, TracesRequest } from '../model/otlp.js';
import { attributesJson, toStr } from './attributes.js';
import { onlySystemInstructions, systemInstructionsBlock } from './carriers.js';
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
  const identity = identityOf(view.span, resource);
  const family = detectFamily(view);
  let trace: TraceRow | null = null;
  if (family === null) {
    result.ignoredSpans++;
  } else {
    trace = traceRowOf(view, family, identity, resource.attributesJson(), options);
    options.costs.apply(trace);
    result.events.push({ type: 'trace', row: trace });
    if (LOG_CONTENT_KINDS.has(trace.kind) && onlySystemInstructions(view)) {
      result.events.push({ type: 'content', row: systemInstructionsRow(view) });
    }
  }
  if (trace === null && options.errorsFrom === 'genai') return;
  for (const row of errorRowsOf(view.span, identity, trace?.trace_id ?? null, options)) {
    result.events.push({ type: 'error', row });
  }
}

/** Kinds whose messages may arrive as log records (`gen_ai.client.inference.operation.details`). */
const LOG_CONTENT_KINDS = new Set(['llm', 'embedding', 'other']);

/** The instructions of a span without messages, held so that log-borne messages join them (model/content-join.ts). */
function systemInstructionsRow(view: SpanView): ContentRow {
  return {
    trace_id: randomUUID(),
    otel_trace_id: view.span.traceId,
    otel_span_id: view.span.spanId,
    record_key: 'span:system_instructions',
    time_unix_nano: view.span.startTimeUnixNano,
    system: [systemInstructionsBlock(view)],
    input: [],
    output: [],
    error: null,
    fromSpan: true,
  };
}

function identityOf(span: Span, resource: ResourceContext): SpanIdentity {
  return {
    otel_trace_id: span.traceId,
    otel_span_id: span.spanId,
    otel_parent_span_id: isSpanId(span.parentSpanId) ? span.parentSpanId : null,
    // OpenLIT also sets service.name on spans; the resource's wins.
    service_name: resource.serviceName ?? shortText(toStr(span.attributes.get('service.name'))),
    span_name: shortText(span.name || null),
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
    this.serviceName = shortText(toStr(attributes.get('service.name')));
  }

  attributesJson(): string | null {
    if (this.#json === undefined) this.#json = attributesJson(this.#attributes, this.#maxAttributesBytes);
    return this.#json;
  }
}
