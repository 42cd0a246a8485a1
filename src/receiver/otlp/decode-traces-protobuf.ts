import { DecodeError, nestingTooDeep, warnStrindex } from './decode-errors.js';
import type { Attributes, ResourceSpans, ScopeSpans, Span, SpanEvent, TracesRequest } from '../../model/otlp.js';
import { idProblem, OtlpProtobufReader, VALUE_STRINDEX, VALUE_TOO_DEEP } from './protobuf-reader.js';

/**
 * OTLP/protobuf traces decoder: `ExportTraceServiceRequest` (proto/…/trace_service.proto) read in
 * one pass into the model; see protobuf-reader.ts for how it matches protobufjs's generated code.
 * Field numbers are in the comments.
 */
export function decodeTracesProtobuf(body: Uint8Array): TracesRequest {
  return new TracesDecoder(body).request();
}

// Message depths below the request, as protobufjs counts them for its recursion limit.
const SPAN = 3;
const SPAN_CHILD = 4; // Event, Link, Status, a span attribute's KeyValue

class TracesDecoder extends OtlpProtobufReader {
  constructor(body: Uint8Array) {
    super(body);
  }

  request(): TracesRequest {
    const resourceSpans = this.decodeRequest((i) => this.resourceSpans(i));
    return { resourceSpans, warnings: this.warnings };
  }

  private resourceSpans(i: number): ResourceSpans {
    const { resource, groups } = this.resourceGroup((j) => this.scopeSpans(i, j));
    return { resource, scopeSpans: groups };
  }

  private scopeSpans(i: number, j: number): ScopeSpans {
    const { scope, items } = this.scopeGroup((k) => this.span(i, j, k));
    return { scope, spans: items };
  }

  private span(i: number, j: number, k: number): Span {
    const r = this.r;
    const outerEnd = this.enter(SPAN);
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
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          traceId = this.id(16);
          break;
        case 2:
          spanId = this.id(8);
          break;
        case 3: // trace_state
          this.skipString();
          break;
        case 4:
          parentSpanId = this.id(8);
          break;
        case 5:
          name = r.string();
          break;
        case 6:
          kind = r.int32();
          break;
        case 7:
          startTimeUnixNano = this.fixed64();
          break;
        case 8:
          endTimeUnixNano = this.fixed64();
          break;
        case 9:
          this.keyValue(attributes, SPAN_CHILD, 1);
          valueFlags |= this.flags;
          break;
        case 10: // dropped_attributes_count
        case 12: // dropped_events_count
        case 14: // dropped_links_count
          r.uint32();
          break;
        case 11:
          events.push(this.event());
          valueFlags |= this.flags;
          break;
        case 13:
          this.link();
          break;
        case 15:
          status = this.status();
          break;
        case 16: // flags
          r.fixed32();
          break;
        default:
          this.skip(tag, SPAN);
      }
    }
    this.leave(outerEnd);
    if (this.itemRejection === null) {
      const problem = idProblem('traceId', traceId, 16) ?? idProblem('spanId', spanId, 8) ?? idProblem('parentSpanId', parentSpanId, 8);
      if (problem !== null) this.itemRejection = new DecodeError(`resourceSpans[${i}].scopeSpans[${j}].spans[${k}].${problem}`);
      else if (valueFlags & VALUE_TOO_DEEP) this.itemRejection = nestingTooDeep();
    }
    if (valueFlags & VALUE_STRINDEX) warnStrindex(this.warnings);
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

  /** Sets `flags` for the event's attributes. */
  private event(): SpanEvent {
    const r = this.r;
    const outerEnd = this.enter(SPAN_CHILD);
    let name = '';
    let timeUnixNano = 0n;
    const attributes: Attributes = new Map();
    let flags = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          timeUnixNano = this.fixed64();
          break;
        case 2:
          name = r.string();
          break;
        case 3:
          this.keyValue(attributes, SPAN_CHILD + 1, 1);
          flags |= this.flags;
          break;
        case 4: // dropped_attributes_count
          r.uint32();
          break;
        default:
          this.skip(tag, SPAN_CHILD);
      }
    }
    this.leave(outerEnd);
    this.flags = flags;
    return { name, timeUnixNano, attributes };
  }

  /** Links are not part of the model: read (so a malformed one is still an error) and dropped. */
  private link(): void {
    const r = this.r;
    const outerEnd = this.enter(SPAN_CHILD);
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: // trace_id
        case 2: // span_id
          r.skip(r.uint32());
          break;
        case 3: // trace_state
          this.skipString();
          break;
        case 4: // attributes
          this.keyValue(new Map(), SPAN_CHILD + 1, 1);
          break;
        case 5: // dropped_attributes_count
          r.uint32();
          break;
        case 6: // flags
          r.fixed32();
          break;
        default:
          this.skip(tag, SPAN_CHILD);
      }
    }
    this.leave(outerEnd);
  }

  private status(): { code: number; message: string } {
    const r = this.r;
    const outerEnd = this.enter(SPAN_CHILD);
    const status = { code: 0, message: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 2:
          status.message = r.string();
          break;
        case 3:
          status.code = r.int32();
          break;
        default:
          this.skip(tag, SPAN_CHILD);
      }
    }
    this.leave(outerEnd);
    return status;
  }
}

const NO_STATUS = { code: 0, message: '' };
