import type { LogRecord, LogsRequest, ResourceLogs, ScopeLogs } from '../../model/otlp.js';
import { within } from './field-error.js';
import { type JsonContext, uint64 } from './long-integers.js';
import { anyValue, asObject, attributes, decodeRequestJson, enumValue, hexId, list, resourceOf, scopeOf, str } from './otlp-json.js';

/** OTLP/JSON `ExportLogsServiceRequest` into the model, with the readers of otlp-json.ts. */
export function decodeLogsJson(body: Uint8Array): LogsRequest {
  if (body.length === 0) return { resourceLogs: [], warnings: [] };
  return decodeRequestJson(body, 'ExportLogsServiceRequest', (request, context) => ({
    resourceLogs: list(request.resourceLogs ?? request.resource_logs, 'resourceLogs', toResourceLogs, context),
    warnings: context.warnings,
  }));
}

function toResourceLogs(value: unknown, context: JsonContext): ResourceLogs {
  const o = asObject(value);
  return { resource: resourceOf(o, context), scopeLogs: list(o.scopeLogs ?? o.scope_logs, 'scopeLogs', toScopeLogs, context) };
}

function toScopeLogs(value: unknown, context: JsonContext): ScopeLogs {
  const o = asObject(value);
  return { scope: scopeOf(o), logRecords: list(o.logRecords ?? o.log_records, 'logRecords', toLogRecord, context) };
}

function toLogRecord(value: unknown, context: JsonContext): LogRecord {
  const o = asObject(value);
  let body;
  try {
    body = anyValue(o.body, 1, context);
  } catch (err) {
    throw within(err, 'body');
  }
  return {
    timeUnixNano: uint64(o.timeUnixNano ?? o.time_unix_nano, 'timeUnixNano', context),
    observedTimeUnixNano: uint64(o.observedTimeUnixNano ?? o.observed_time_unix_nano, 'observedTimeUnixNano', context),
    severityNumber: enumValue(o.severityNumber ?? o.severity_number, 'severityNumber', SEVERITY_NUMBERS),
    severityText: str(o.severityText ?? o.severity_text, 'severityText'),
    body,
    attributes: attributes(o.attributes, 'attributes', 1, context),
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
