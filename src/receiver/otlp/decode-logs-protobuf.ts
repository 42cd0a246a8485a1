import type { AnyValue, Attributes, LogRecord, LogsRequest } from '../../model/otlp.js';
import { anyValue, flagsOf, keyValue, valueError, valueOf } from './any-value.js';
import { OtlpProtobufReader } from './protobuf-reader.js';

/** OTLP/protobuf `ExportLogsServiceRequest` (proto/…/logs_service.proto) into the model; field numbers in the comments. */
export function decodeLogsProtobuf(body: Uint8Array): LogsRequest {
  const reader = new OtlpProtobufReader(body, ['resourceLogs', 'scopeLogs', 'logRecords']);
  const resourceLogs = reader.readRequest(
    () => logRecord(reader),
    (scope, logRecords) => ({ scope, logRecords }),
    (resource, scopeLogs) => ({ resource, scopeLogs }),
  );
  return { resourceLogs, warnings: reader.warnings };
}

// Message depth below the request, as protobufjs counts them.
const LOG_RECORD = 3;

function logRecord(reader: OtlpProtobufReader): LogRecord {
  const w = reader.wire;
  const outerEnd = w.enter(LOG_RECORD);
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
  while (w.pos < w.len) {
    const tag = w.uint32();
    switch (tag >>> 3) {
      case 1:
        timeUnixNano = w.fixed64BigInt();
        break;
      case 2:
        severityNumber = w.int32();
        break;
      case 3:
        severityText = w.string();
        break;
      case 5: {
        const read = anyValue(w, LOG_RECORD + 1, 1);
        body = valueOf(read);
        bodyFlags = flagsOf(read);
        break;
      }
      case 6:
        attributeFlags |= keyValue(w, attributes, LOG_RECORD + 1, 1);
        break;
      case 7: // dropped_attributes_count
        w.uint32();
        break;
      case 8: // flags
        w.fixed32();
        break;
      case 9:
        traceId = w.id(16);
        break;
      case 10:
        spanId = w.id(8);
        break;
      case 11:
        observedTimeUnixNano = w.fixed64BigInt();
        break;
      case 12:
        eventName = w.string();
        break;
      default:
        w.skipField(tag, LOG_RECORD);
    }
  }
  w.leave(outerEnd);
  const valueFlags = bodyFlags | attributeFlags;
  // Body and attributes are checked before the ids.
  reader.endItem(valueError(valueFlags) ?? reader.idError(traceId, spanId), valueFlags);
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
