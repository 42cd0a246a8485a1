import { DecodeError, nestingTooDeep, warnStrindex } from './decode-errors.js';
import type { AnyValue, Attributes, LogRecord, LogsRequest, ResourceLogs, ScopeLogs } from '../../model/otlp.js';
import { idProblem, OtlpProtobufReader, VALUE_STRINDEX, VALUE_TOO_DEEP } from './protobuf-reader.js';

/**
 * OTLP/protobuf logs decoder: `ExportLogsServiceRequest` (proto/…/logs_service.proto) read in one
 * pass into the model, like the traces decoder (decode-protobuf.ts). Field numbers are in the comments.
 */
export function decodeLogsProtobuf(body: Uint8Array): LogsRequest {
  return new LogsDecoder(body).request();
}

// Message depths below the request, as protobufjs counts them for its recursion limit.
const LOG_RECORD = 3;

class LogsDecoder extends OtlpProtobufReader {
  constructor(body: Uint8Array) {
    super(body);
  }

  request(): LogsRequest {
    const resourceLogs = this.decodeRequest((i) => this.resourceLogs(i));
    return { resourceLogs, warnings: this.warnings };
  }

  private resourceLogs(i: number): ResourceLogs {
    const { resource, groups } = this.resourceGroup((j) => this.scopeLogs(i, j));
    return { resource, scopeLogs: groups };
  }

  private scopeLogs(i: number, j: number): ScopeLogs {
    const { scope, items } = this.scopeGroup((k) => this.logRecord(i, j, k));
    return { scope, logRecords: items };
  }

  private logRecord(i: number, j: number, k: number): LogRecord {
    const r = this.r;
    const outerEnd = this.enter(LOG_RECORD);
    let timeUnixNano = 0n;
    let observedTimeUnixNano = 0n;
    let severityNumber = 0;
    let severityText = '';
    let body: AnyValue = null;
    let bodyFlags = 0;
    const attributes: Attributes = new Map();
    let attributeFlags = 0;
    let traceId: string | number = '';
    let spanId: string | number = '';
    let eventName = '';
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          timeUnixNano = this.fixed64();
          break;
        case 2:
          severityNumber = r.int32();
          break;
        case 3:
          severityText = r.string();
          break;
        case 5:
          body = this.anyValue(LOG_RECORD + 1, 1);
          bodyFlags = this.flags;
          break;
        case 6:
          this.keyValue(attributes, LOG_RECORD + 1, 1);
          attributeFlags |= this.flags;
          break;
        case 7: // dropped_attributes_count
          r.uint32();
          break;
        case 8: // flags
          r.fixed32();
          break;
        case 9:
          traceId = this.id(16);
          break;
        case 10:
          spanId = this.id(8);
          break;
        case 11:
          observedTimeUnixNano = this.fixed64();
          break;
        case 12:
          eventName = r.string();
          break;
        default:
          this.skip(tag, LOG_RECORD);
      }
    }
    this.leave(outerEnd);
    const valueFlags = bodyFlags | attributeFlags;
    if (this.itemRejection === null) {
      // Body and attributes are checked before the ids.
      if (valueFlags & VALUE_TOO_DEEP) this.itemRejection = nestingTooDeep();
      else {
        const problem = idProblem('traceId', traceId, 16) ?? idProblem('spanId', spanId, 8);
        if (problem !== null) this.itemRejection = new DecodeError(`resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}].${problem}`);
      }
    }
    if (valueFlags & VALUE_STRINDEX) warnStrindex(this.warnings);
    // An id is a number (its wrong length) only in a request that is rejected.
    return {
      timeUnixNano,
      observedTimeUnixNano,
      severityNumber,
      severityText,
      body,
      attributes,
      traceId: traceId as string,
      spanId: spanId as string,
      eventName,
    };
  }
}
