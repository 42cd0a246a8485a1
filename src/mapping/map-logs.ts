/**
 * Entry point for OTLP logs: one decoded request → `content` events.
 *
 * Several instrumentations (the OpenTelemetry OpenAI instrumentations, Elastic's, OpenLIT) send
 * the prompt and completion as log records next to the span: the GenAI semantic conventions'
 * per-message events (v1.28–v1.36) and `gen_ai.client.inference.operation.details` (v1.37+).
 * Each GenAI record is rendered with the span-event readers (carriers.ts, render.ts) into
 * `role: text` blocks; the exporter joins the blocks of a span's records into its `traces` row.
 * Other log records are counted as ignored: oct is not a general log store.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ContentRow, ErrorRow, PipelineEvent } from '../model/events.js';
import { cutText, shortText } from '../model/text.js';
import type { AnyValue, LogRecord, LogsRequest } from '../model/otlp.js';
import { attributesJson, firstStr, isPresent, isRecord, plainObject, structured, toPlain, toStr } from './attributes.js';
import {
  CHOICE_EVENT,
  choiceMessage,
  DETAILS_EVENT,
  eventMessage,
  INPUT_MESSAGES,
  OUTPUT_MESSAGES,
  ROLE_BY_EVENT,
  SYSTEM_INSTRUCTIONS,
} from './carriers.js';
import type { MappingOptions } from './options.js';
import { hasValidIds, rejectionMessage } from './otlp-ids.js';
import { messagesFrom, renderBlocks, renderContent, type Message } from './render.js';
import { nanosToMs } from './timing.js';

export type { MappingOptions };

export interface LogsMappingResult {
  /** One `content` event per GenAI record that has something to store, in request order. */
  events: PipelineEvent[];
  /** GenAI records without a valid trace and span id: they cannot be joined to a span. */
  rejectedRecords: number;
  rejectionMessage: string | null;
  /** Records that are not GenAI content (or GenAI records with nothing to show). */
  ignoredRecords: number;
}

const EXCEPTION_EVENT = 'gen_ai.client.operation.exception';
/** Older SDKs name the event with this attribute instead of the `event_name` field. */
const EVENT_NAME_KEY = 'event.name';
const EXCEPTION_KEYS = new Set(['exception.type', 'exception.message', 'exception.stacktrace', EVENT_NAME_KEY]);

export function mapLogsRequest(request: LogsRequest, options: MappingOptions): LogsMappingResult {
  const result: LogsMappingResult = { events: [], rejectedRecords: 0, rejectionMessage: null, ignoredRecords: 0 };
  const seen = new Map<string, number>();
  let firstRejected = '';
  request.resourceLogs.forEach((resourceLogs, i) => {
    const serviceName = shortText(toStr(resourceLogs.resource.get('service.name')));
    resourceLogs.scopeLogs.forEach((scopeLogs, j) => {
      scopeLogs.logRecords.forEach((record, k) => {
        const name = eventNameOf(record);
        if (!isGenAiEvent(name)) {
          result.ignoredRecords++;
          return;
        }
        if (!hasValidIds(record)) {
          if (result.rejectedRecords++ === 0) firstRejected = `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]`;
          return;
        }
        const row = name === EXCEPTION_EVENT ? exceptionRow(record, serviceName, options) : contentRow(name, record);
        if (row === null) {
          result.ignoredRecords++; // e.g. a per-message event sent with content capture off: `{}`
          return;
        }
        row.record_key = occurrence(row.record_key, `${row.otel_trace_id}/${row.otel_span_id}`, seen);
        result.events.push({ type: 'content', row });
      });
    });
  });
  if (result.rejectedRecords > 0) {
    const reason =
      'GenAI content without a valid trace_id and span_id (empty, all zeros or not 32/16 hex digits) cannot be joined to its span';
    result.rejectionMessage = rejectionMessage(result.rejectedRecords, 'log record', reason, firstRejected);
  }
  return result;
}

function eventNameOf(record: LogRecord): string {
  return record.eventName || (toStr(record.attributes.get(EVENT_NAME_KEY)) ?? '');
}

function isGenAiEvent(name: string): boolean {
  return ROLE_BY_EVENT.has(name) || name === CHOICE_EVENT || name === DETAILS_EVENT || name === EXCEPTION_EVENT;
}

/** The record's own time; the time it was observed when unset. */
const recordTime = (record: LogRecord) => (record.timeUnixNano > 0n ? record.timeUnixNano : record.observedTimeUnixNano);

function contentRow(name: string, record: LogRecord): ContentRow | null {
  const blocks = blocksOf(name, record);
  if (blocks.system.length + blocks.input.length + blocks.output.length === 0) return null;
  const time = recordTime(record);
  return {
    ...rowStart(record, time),
    ...blocks,
    record_key: digest([name, String(time), String(record.observedTimeUnixNano), blocks.system, blocks.input, blocks.output]),
    error: null,
    fromSpan: false,
  };
}

/** Rendered exactly as the span-event carriers render the same event on a span (carriers.ts). */
function blocksOf(name: string, record: LogRecord): Pick<ContentRow, 'system' | 'input' | 'output'> {
  if (name === DETAILS_EVENT) {
    // The v1.37+ event carries the span's content attributes; accept them in a kvlist body too.
    const get = (key: string) => record.attributes.get(key) ?? (record.body instanceof Map ? record.body.get(key) : undefined);
    const system = structured(get(SYSTEM_INSTRUCTIONS));
    const input = structured(get(INPUT_MESSAGES));
    const output = structured(get(OUTPUT_MESSAGES));
    return {
      system: isPresent(system) ? blocks([{ role: 'system', body: renderContent(system) }]) : [],
      input: isPresent(input) ? blocks(messagesFrom(input)) : [],
      output: isPresent(output) ? blocks(messagesFrom(output)) : [],
    };
  }
  const fields = bodyFields(record);
  if (name === CHOICE_EVENT) return { system: [], input: [], output: blocks([choiceMessage(fields)]) };
  const message = eventMessage(name, fields);
  // System instructions come first in the input text, wherever their record falls in time.
  return message?.role === 'system'
    ? { system: blocks([message]), input: [], output: [] }
    : { system: [], input: blocks([message]), output: [] };
}

/** The event body (`{content, role, …}`); a scalar body is the content; no body: the attributes. */
function bodyFields(record: LogRecord): Record<string, unknown> {
  const body = toPlain(record.body);
  if (isRecord(body)) return body;
  return isPresent(body) ? { content: body } : plainObject(record.attributes);
}

/** One `role: text` block per message, empty ones left out (as `renderBlocks` does). */
function blocks(messages: readonly (Message | null)[]): string[] {
  return messages.map((m) => (m === null ? '' : renderBlocks([m]))).filter((block) => block !== '');
}

/** `gen_ai.client.operation.exception` → an `errors` row, like an `exception` span event (errors.ts). */
function exceptionRow(record: LogRecord, serviceName: string | null, options: MappingOptions): ContentRow {
  const attrs = record.attributes;
  const time = recordTime(record);
  const error: ErrorRow = {
    trace_id: randomUUID(),
    source: 'otlp',
    origin: 'exception_event',
    llm_trace_id: null,
    otel_trace_id: record.traceId,
    otel_span_id: record.spanId,
    otel_parent_span_id: null,
    service_name: serviceName,
    span_name: null,
    error_type: shortText(firstStr(attrs, ['exception.type', 'error.type'])),
    message: cutText(
      firstStr(attrs, ['exception.message']) ?? bodyText(record.body) ?? firstStr(attrs, ['error.type']),
      options.maxTextBytes,
    ),
    stacktrace: cutText(firstStr(attrs, ['exception.stacktrace']), options.maxTextBytes),
    occurred_at: time > 0n ? nanosToMs(time) : Date.now(),
    attributes: attributesJson(attrs, options.maxAttributesBytes, EXCEPTION_KEYS),
  };
  return {
    ...rowStart(record, time),
    system: [],
    input: [],
    output: [],
    record_key: digest([EXCEPTION_EVENT, String(time), error.error_type, error.message]),
    error,
    fromSpan: false,
  };
}

function bodyText(body: AnyValue): string | null {
  return typeof body === 'string' ? toStr(body) : null;
}

function rowStart(record: LogRecord, time: bigint) {
  return { trace_id: randomUUID(), otel_trace_id: record.traceId, otel_span_id: record.spanId, time_unix_nano: time };
}

function digest(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

/**
 * A record identical to an earlier one of the same span in the same request (the same message
 * sent twice in one call, with one timestamp) gets its own key, so only a retried export is
 * recognised as a duplicate.
 */
function occurrence(key: string, span: string, seen: Map<string, number>): string {
  const id = `${span}/${key}`;
  const n = seen.get(id) ?? 0;
  seen.set(id, n + 1);
  return n === 0 ? key : `${key}#${n}`;
}
