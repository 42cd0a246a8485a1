import type { Attributes, Span, SpanEvent, TracesRequest } from '../../model/otlp.js';
import { keyValue, valueError } from './any-value.js';
import { OtlpProtobufReader } from './protobuf-reader.js';
import type { Wire } from './wire.js';

/** OTLP/protobuf `ExportTraceServiceRequest` (proto/…/trace_service.proto) into the model; field numbers in the comments. */
export function decodeTracesProtobuf(body: Uint8Array): TracesRequest {
  const reader = new OtlpProtobufReader(body, ['resourceSpans', 'scopeSpans', 'spans']);
  const resourceSpans = reader.readRequest(
    () => span(reader),
    (scope, spans) => ({ scope, spans }),
    (resource, scopeSpans) => ({ resource, scopeSpans }),
  );
  return { resourceSpans, warnings: reader.warnings };
}

// Message depths below the request, as protobufjs counts them.
const SPAN = 3;
const SPAN_CHILD = 4; // Event, Link, Status, a span attribute's KeyValue

function span(reader: OtlpProtobufReader): Span {
  const w = reader.wire;
  const outerEnd = w.enter(SPAN);
  let traceId: string | number = '';
  let spanId: string | number = '';
  let parentSpanId: string | number = '';
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: Attributes = new Map();
  let valueFlags = 0;
  const events: SpanEvent[] = [];
  let status = NO_STATUS;
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        traceId = w.id(16);
        break;
      case 2:
        spanId = w.id(8);
        break;
      case 3: // trace_state
        w.skipString();
        break;
      case 4:
        parentSpanId = w.id(8);
        break;
      case 5:
        name = w.string();
        break;
      case 6:
        kind = w.int32();
        break;
      case 7:
        startTimeUnixNano = w.fixed64BigInt();
        break;
      case 8:
        endTimeUnixNano = w.fixed64BigInt();
        break;
      case 9:
        valueFlags |= keyValue(w, attributes, SPAN_CHILD, 1);
        break;
      case 10: // dropped_attributes_count
      case 12: // dropped_events_count
      case 14: // dropped_links_count
        w.uint32();
        break;
      case 11:
        valueFlags |= event(w, events);
        break;
      case 13:
        link(w);
        break;
      case 15:
        status = readStatus(w);
        break;
      case 16: // flags
        w.fixed32();
        break;
      default:
        w.skipField(tag, SPAN);
    }
  }
  w.leave(outerEnd);
  reader.endItem(reader.idError(traceId, spanId, parentSpanId) ?? valueError(valueFlags), valueFlags);
  // An id is a number (its wrong length) only in a request that is rejected.
  return {
    traceId: traceId as string,
    spanId: spanId as string,
    parentSpanId: parentSpanId as string,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    events,
    statusCode: status.code,
    statusMessage: status.message,
  };
}

/** An Event into `events`; returns the `VALUE_*` flags of its attributes. */
function event(w: Wire, events: SpanEvent[]): number {
  const outerEnd = w.enter(SPAN_CHILD);
  let name = '';
  let timeUnixNano = 0n;
  const attributes: Attributes = new Map();
  let flags = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        timeUnixNano = w.fixed64BigInt();
        break;
      case 2:
        name = w.string();
        break;
      case 3:
        flags |= keyValue(w, attributes, SPAN_CHILD + 1, 1);
        break;
      case 4: // dropped_attributes_count
        w.uint32();
        break;
      default:
        w.skipField(tag, SPAN_CHILD);
    }
  }
  w.leave(outerEnd);
  events.push({ name, timeUnixNano, attributes });
  return flags;
}

/** Links are not part of the model: read (so a malformed one is still an error) and dropped. */
function link(w: Wire): void {
  const outerEnd = w.enter(SPAN_CHILD);
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1: // trace_id
      case 2: // span_id
        w.skipString();
        break;
      case 3: // trace_state
        w.skipString();
        break;
      case 4: // attributes
        keyValue(w, new Map(), SPAN_CHILD + 1, 1);
        break;
      case 5: // dropped_attributes_count
        w.uint32();
        break;
      case 6: // flags
        w.fixed32();
        break;
      default:
        w.skipField(tag, SPAN_CHILD);
    }
  }
  w.leave(outerEnd);
}

function readStatus(w: Wire): { code: number; message: string } {
  const outerEnd = w.enter(SPAN_CHILD);
  const status = { code: 0, message: '' };
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 2:
        status.message = w.string();
        break;
      case 3:
        status.code = w.int32();
        break;
      default:
        w.skipField(tag, SPAN_CHILD);
    }
  }
  w.leave(outerEnd);
  return status;
}

const NO_STATUS = { code: 0, message: '' };
