import { validateErrors, validateTraces } from '../../receiver/native/validate.js';
import { decodeLogsJson } from '../../receiver/otlp/decode-logs-json.js';
import { DecodeError } from '../../receiver/otlp/decode-errors.js';
import { decodeTracesJson } from '../../receiver/otlp/decode-traces-json.js';
import type { NativeError, NativeTrace } from '../../model/native.js';
import type { LogsRequest, TracesRequest } from '../../model/otlp.js';

/** One import record, decoded by the receiver's own decoders and validation. */
export type DecodedRecord =
  | { kind: 'traces'; request: TracesRequest }
  | { kind: 'logs'; request: LogsRequest }
  | { kind: 'metrics' }
  | { kind: 'native'; traces: NativeTrace[]; errors: NativeError[]; problems: string[] };

/** Why a record cannot be imported at all. */
export class BadRecord extends Error {}

// The Collector's file exporter writes the request's one field first, so most records need no JSON.parse to be told apart.
const OTLP_HEAD = /^\s*\{\s*"resource(Spans|_spans|Logs|_logs|Metrics|_metrics)"/;
const SIGNALS: Record<string, 'traces' | 'logs' | 'metrics'> = {
  Spans: 'traces',
  _spans: 'traces',
  Logs: 'logs',
  _logs: 'logs',
  Metrics: 'metrics',
  _metrics: 'metrics',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An OTLP/JSON request (traces, logs; metrics are recognised and not imported), or native trace / error objects. */
export function decodeRecord(bytes: Buffer): DecodedRecord {
  const signal = SIGNALS[OTLP_HEAD.exec(bytes.subarray(0, 64).toString('latin1'))?.[1] ?? ''];
  if (signal) return decodeOtlp(signal, bytes);
  const value = parseJson(bytes);
  if (typeof value !== 'object' || value === null) throw new BadRecord('expected a JSON object or an array of objects');
  const key = Array.isArray(value)
    ? undefined
    : Object.keys(value).find((k) => /^resource(Spans|_spans|Logs|_logs|Metrics|_metrics)$/.test(k));
  if (key) return decodeOtlp(SIGNALS[key.slice('resource'.length)], bytes);
  return nativeItems(value);
}

function decodeOtlp(signal: 'traces' | 'logs' | 'metrics', bytes: Buffer): DecodedRecord {
  try {
    if (signal === 'traces') return { kind: signal, request: decodeTracesJson(bytes) };
    if (signal === 'logs') return { kind: signal, request: decodeLogsJson(bytes) };
    return { kind: signal };
  } catch (err) {
    if (err instanceof DecodeError) throw new BadRecord(err.message);
    throw err;
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw new BadRecord(err instanceof TypeError ? 'not valid UTF-8' : `invalid JSON: ${(err as Error).message}`);
  }
}

/** Each item is a trace (it has `model`) or an error (it has `message`), validated as the native API does. */
function nativeItems(value: object): DecodedRecord {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const record = { kind: 'native' as const, traces: [] as NativeTrace[], errors: [] as NativeError[], problems: [] as string[] };
  items.forEach((item, i) => {
    const prefix = Array.isArray(value) ? `[${i}]: ` : '';
    const fields = typeof item === 'object' && item !== null ? item : {};
    if ('model' in fields) {
      const checked = validateTraces(fields);
      if (checked.ok) record.traces.push(...checked.items);
      else record.problems.push(prefix + checked.problems.join('; '));
    } else if ('message' in fields) {
      const checked = validateErrors(fields);
      if (checked.ok) record.errors.push(...checked.items);
      else record.problems.push(prefix + checked.problems.join('; '));
    } else {
      record.problems.push(`${prefix}neither an OTLP request (resourceSpans, resourceLogs) nor a native trace (model) or error (message)`);
    }
  });
  return record;
}
