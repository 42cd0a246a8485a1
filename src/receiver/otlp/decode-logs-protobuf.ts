import { attributes, anyValue, hexId, RecordFieldError, uint64, type PbAnyValue, type PbKeyValue, type PbLong } from './decode-protobuf.js';
import { DecodeError } from './model.js';
import type { LogRecord, LogsRequest, ResourceLogs, ScopeLogs } from './model.js';
import { ExportLogsServiceRequest } from './proto-root.js';

/**
 * OTLP/protobuf logs decoder: the traces decoder's walk (AnyValue, attributes, ids, fixed64)
 * applied to `ExportLogsServiceRequest`. Shapes are what `Type.decode` returns (see decode-protobuf.ts).
 */

interface PbLogRecord {
  timeUnixNano: PbLong;
  observedTimeUnixNano: PbLong;
  severityNumber: number;
  severityText: string;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}
interface PbScopeLogs {
  scope: { name: string; version: string } | null;
  logRecords: PbLogRecord[];
}
interface PbResourceLogs {
  resource: { attributes: PbKeyValue[] } | null;
  scopeLogs: PbScopeLogs[];
}
interface PbRequest {
  resourceLogs: PbResourceLogs[];
}

export function decodeLogsProtobuf(body: Uint8Array): LogsRequest {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let request: PbRequest;
  try {
    request = ExportLogsServiceRequest.decode(buffer) as unknown as PbRequest;
  } catch (err) {
    throw new DecodeError(`invalid protobuf: ${(err as Error).message}`);
  }
  const warnings: string[] = [];
  const resourceLogs: ResourceLogs[] = [];
  for (let i = 0; i < request.resourceLogs.length; i++) {
    resourceLogs.push(toResourceLogs(request.resourceLogs[i]!, i, warnings));
  }
  return { resourceLogs, warnings };
}

function toResourceLogs(rl: PbResourceLogs, i: number, warnings: string[]): ResourceLogs {
  const scopeLogs: ScopeLogs[] = [];
  for (let j = 0; j < rl.scopeLogs.length; j++) {
    const sl = rl.scopeLogs[j]!;
    const logRecords: LogRecord[] = [];
    for (let k = 0; k < sl.logRecords.length; k++) {
      try {
        logRecords.push(toLogRecord(sl.logRecords[k]!, warnings));
      } catch (err) {
        if (err instanceof RecordFieldError) throw new DecodeError(`resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}].${err.message}`);
        throw err;
      }
    }
    scopeLogs.push({ scope: { name: sl.scope?.name ?? '', version: sl.scope?.version ?? '' }, logRecords });
  }
  return { resource: attributes(rl.resource?.attributes ?? [], 1, warnings), scopeLogs };
}

function toLogRecord(r: PbLogRecord, warnings: string[]): LogRecord {
  return {
    timeUnixNano: uint64(r.timeUnixNano),
    observedTimeUnixNano: uint64(r.observedTimeUnixNano),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body === null ? null : anyValue(r.body, 1, warnings),
    attributes: attributes(r.attributes, 1, warnings),
    traceId: hexId(r.traceId, 16, 'traceId'),
    spanId: hexId(r.spanId, 8, 'spanId'),
    eventName: r.eventName,
  };
}
