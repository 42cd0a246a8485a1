/**
 * Builders for decoded OTLP requests: attributes are written as plain objects (nested objects
 * become kvlist Maps) and ids get usable defaults.
 */
import { expect } from 'vitest';
import type { ErrorRow, TraceRow } from '../../src/model/events.js';
import { CostCalculator } from '../../src/mapping/cost.js';
import { mapTracesRequest, type MappingOptions, type MappingResult } from '../../src/mapping/map-traces.js';
import type { AnyValue, Attributes, Span, SpanEvent, TracesRequest } from '../../src/model/otlp.js';

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const START = 1760000000000000000n;
export const END = 1760000000850000000n;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Matches any v4 UUID in `toEqual` (vitest types asymmetric matchers as `any`). */
export const ANY_UUID: unknown = expect.stringMatching(UUID);

/** Mapping tests see costs only as reported; pricing has tests of its own (test/mapping/cost.test.ts). */
export const NO_PRICES = new CostCalculator({ user: [], shipped: [] });
export const OPTIONS: MappingOptions = { maxTextBytes: 65_536, maxAttributesBytes: 16_384, costs: NO_PRICES, errorsFrom: 'all' };

/** Plain test data → AnyValue: plain objects become kvlists, arrays recurse, the rest is kept. */
export function anyValue(value: unknown): AnyValue {
  if (Array.isArray(value)) return value.map(anyValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Map)) {
    return attributes(value as Record<string, unknown>);
  }
  return value as AnyValue;
}

export function attributes(object: Record<string, unknown> = {}): Attributes {
  return new Map(Object.entries(object).map(([key, value]) => [key, anyValue(value)]));
}

export interface EventInit {
  name: string;
  time?: bigint;
  attributes?: Record<string, unknown>;
}

export interface SpanInit {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  start?: bigint;
  end?: bigint;
  attributes?: Record<string, unknown>;
  events?: EventInit[];
  statusCode?: number;
  statusMessage?: string;
}

let spanCounter = 0;
export const nextSpanId = () => (++spanCounter).toString(16).padStart(16, 'a');

export function span(init: SpanInit = {}): Span {
  return {
    traceId: init.traceId ?? TRACE_ID,
    spanId: init.spanId ?? nextSpanId(),
    parentSpanId: init.parentSpanId ?? '',
    name: init.name ?? 'span',
    kind: init.kind ?? 1,
    startTimeUnixNano: init.start ?? START,
    endTimeUnixNano: init.end ?? END,
    attributes: attributes(init.attributes),
    events: (init.events ?? []).map((event): SpanEvent => ({
      name: event.name,
      timeUnixNano: event.time ?? START,
      attributes: attributes(event.attributes),
    })),
    statusCode: init.statusCode ?? 0,
    statusMessage: init.statusMessage ?? '',
  };
}

export interface RequestInit {
  resource?: Record<string, unknown>;
  scope?: string;
  spans: SpanInit[];
}

/** One resourceSpans per init, each with one scope. */
export function request(...resources: RequestInit[]): TracesRequest {
  return {
    warnings: [],
    resourceSpans: resources.map((init) => ({
      resource: attributes(init.resource),
      scopeSpans: [{ scope: { name: init.scope ?? '', version: '' }, spans: init.spans.map(span) }],
    })),
  };
}

export function map(req: TracesRequest, options: Partial<MappingOptions> = {}): MappingResult {
  return mapTracesRequest(req, { ...OPTIONS, ...options });
}

export const traceRows = (result: MappingResult): TraceRow[] =>
  result.events.flatMap((event) => (event.type === 'trace' ? [event.row] : []));
export const errorRows = (result: MappingResult): ErrorRow[] =>
  result.events.flatMap((event) => (event.type === 'error' ? [event.row] : []));

/** Maps one span and returns its only traces row. */
export function mapOne(init: SpanInit, context: Omit<RequestInit, 'spans'> = {}, options: Partial<MappingOptions> = {}) {
  const result = map(request({ ...context, spans: [init] }), options);
  const rows = traceRows(result);
  expect(rows).toHaveLength(1);
  return { row: rows[0], errors: errorRows(result), result };
}

type Json = Record<string, unknown> | null;
export type ExpectedRow = Omit<TraceRow, 'trace_id' | 'attributes' | 'resource_attributes'> & {
  attributes: Json;
  resource_attributes: Json;
};

/** Every column of `row`, with the JSON columns compared as parsed objects. */
export function expectRow(row: TraceRow, expected: ExpectedRow): void {
  const { attributes: attrs, resource_attributes: resourceAttrs, ...rest } = row;
  const { attributes: expectedAttrs, resource_attributes: expectedResourceAttrs, ...expectedRest } = expected;
  expect(rest).toStrictEqual({ ...expectedRest, trace_id: ANY_UUID });
  expect(attrs === null ? null : JSON.parse(attrs)).toEqual(expectedAttrs);
  expect(resourceAttrs === null ? null : JSON.parse(resourceAttrs)).toEqual(expectedResourceAttrs);
}

/** A JSON column holding an object, parsed. */
export function jsonObject(text: string | null): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text ?? 'null');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not a JSON object: ${text}`);
  return parsed as Record<string, unknown>;
}

/** The columns every OTLP row of a span built with the defaults shares. */
export function spanColumns(spanId: string, overrides: Partial<ExpectedRow> = {}) {
  return {
    source: 'otlp' as const,
    otel_trace_id: TRACE_ID,
    otel_span_id: spanId,
    otel_parent_span_id: null,
    start_time: 1760000000000,
    end_time: 1760000000850,
    duration_ms: 850,
    ...overrides,
  };
}

/** input/output columns for text short enough not to be cut. */
export function texts(input: string | null, output: string | null) {
  const size = (text: string | null) => (text === null ? null : Buffer.byteLength(text, 'utf8'));
  return { input_text: input, input_bytes: size(input), output_text: output, output_bytes: size(output) };
}
