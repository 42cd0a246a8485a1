import {
  anyValue,
  asObject,
  attributes,
  decodeRequestJson,
  enumValue,
  hexId,
  list,
  resourceOf,
  scopeOf,
  str,
  uint64,
  within,
  type Warnings,
} from './decode-traces-json.js';
import type { LogRecord, LogsRequest, ResourceLogs, ScopeLogs } from '../../model/otlp.js';

/**
 * OTLP/JSON logs decoder, with the traces decoder's rules (decode-json.ts): snake_case keys,
 * enum names, 64-bit integers as numbers or strings, unknown keys ignored, hex ids, and a
 * DecodeError naming the field for a wrong JSON type, e.g. `resourceLogs[0].scopeLogs[0].logRecords[2].eventName: expected a string`.
 */
export function decodeLogsJson(body: Uint8Array): LogsRequest {
  if (body.length === 0) return { resourceLogs: [], warnings: [] };
  return decodeRequestJson(body, 'ExportLogsServiceRequest', (request, warnings) => ({
    resourceLogs: list(request.resourceLogs ?? request.resource_logs, 'resourceLogs', toResourceLogs, warnings),
    warnings,
  }));
}

function toResourceLogs(value: unknown, warnings: Warnings): ResourceLogs {
  const o = asObject(value);
  return { resource: resourceOf(o, warnings), scopeLogs: list(o.scopeLogs ?? o.scope_logs, 'scopeLogs', toScopeLogs, warnings) };
}

function toScopeLogs(value: unknown, warnings: Warnings): ScopeLogs {
  const o = asObject(value);
  return { scope: scopeOf(o), logRecords: list(o.logRecords ?? o.log_records, 'logRecords', toLogRecord, warnings) };
}

function toLogRecord(value: unknown, warnings: Warnings): LogRecord {
  const o = asObject(value);
  let body;
  try {
    body = anyValue(o.body, 1, warnings);
  } catch (err) {
    throw within(err, 'body');
  }
  return {
    timeUnixNano: uint64(o.timeUnixNano ?? o.time_unix_nano, 'timeUnixNano'),
    observedTimeUnixNano: uint64(o.observedTimeUnixNano ?? o.observed_time_unix_nano, 'observedTimeUnixNano'),
    severityNumber: enumValue(o.severityNumber ?? o.severity_number, 'severityNumber', SEVERITY_NUMBERS),
    severityText: str(o.severityText ?? o.severity_text, 'severityText'),
    body,
    attributes: attributes(o.attributes, 'attributes', 1, warnings),
    traceId: hexId(o.traceId ?? o.trace_id, 'traceId', 32),
    spanId: hexId(o.spanId ?? o.span_id, 'spanId', 16),
    eventName: str(o.eventName ?? o.event_name, 'eventName'),
  };
}

/** `SEVERITY_NUMBER_UNSPECIFIED` = 0, then TRACE, TRACE2…4, DEBUG…, INFO…, WARN…, ERROR…, FATAL… = 1…24. */
const SEVERITY_NUMBERS = new Map([
  ['SEVERITY_NUMBER_UNSPECIFIED', 0],
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level, i) =>
    ['', '2', '3', '4'].map((n, j): [string, number] => [`SEVERITY_NUMBER_${level}${n}`, 4 * i + j + 1]),
  ),
]);
