import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';
import type { EventSink } from '../../pipeline/sink.js';
import { mediaType, readBody } from '../body.js';
import { octError } from '../errors.js';
import { answer, type ErrorDialect } from '../http/answer.js';
import { admit, requestFormat, type Route } from '../http/route.js';
import type { ReceiverStats } from '../receiver-stats.js';
import { DecodeError } from './decode-errors.js';
import { encodeExportResponse, encodeStatus, type ExportResponse, type PartialSuccess, type WireFormat } from './encode-response.js';

/** What every OTLP route needs from the runtime. */
export interface OtlpRouteOptions {
  sink: EventSink;
  maxBodyBytes: number;
  /** How long a request may wait for room in a full queue before its 503. */
  admissionWaitMs: number;
  stats: ReceiverStats;
  logger: Logger;
}

/** A decoded request mapped to pipeline events: the one result shape of every signal. */
export interface SignalMapping {
  events: PipelineEvent[];
  /** Items rejected one by one (invalid ids), reported through `partial_success`. */
  rejected: number;
  rejectionMessage: string | null;
  /** Valid items that produce no event. */
  ignored: number;
}

/** What a signal (traces, logs) plugs into the shared OTLP/HTTP route. */
export interface OtlpSignal<R extends { warnings: string[] }> {
  /** `/v1/traces`, `/v1/logs`. */
  path: string;
  /** Names the signal in answers: "OTLP traces are sent with POST". */
  noun: string;
  decode: Record<WireFormat, (body: Buffer) => R>;
  /** Items (spans, log records) in a decoded request. */
  count: (request: R) => number;
  map: (request: R) => SignalMapping;
  response: ExportResponse;
  /** Receiver counters of the signal's items. */
  counters: Record<'received' | 'accepted' | 'refused' | 'rejected' | 'ignored', keyof ReceiverStats>;
  /** The SDK setting that bounds a request, named in the 413 answer. */
  batchSizeSetting: string;
}

const WIRE_FORMATS: Record<string, WireFormat> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };
const CONTENT_TYPES: Record<WireFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP errors: a google.rpc.Status in the request's encoding, JSON when that is unknown. */
export function otlpErrors(countFailure: () => void = () => {}): ErrorDialect {
  return {
    encode(req: IncomingMessage, error) {
      const format = WIRE_FORMATS[mediaType(req.headers['content-type'])] ?? 'json';
      return { contentType: CONTENT_TYPES[format], body: encodeStatus(format, error.entry.grpcCode, error.message) };
    },
    countFailure,
  };
}

/**
 * `POST <signal.path>`: content type → body (limit, gzip) → decode → map → offer → answer.
 * Each step hands a value to the next or throws the error to answer.
 * The handler never waits for SQLite: 200 means the events are admitted to the queue.
 */
export function otlpRoute<R extends { warnings: string[] }>(signal: OtlpSignal<R>, options: OtlpRouteOptions): Route {
  const { stats, logger } = options;
  const counters = signal.counters;
  let warned = false;
  return {
    method: 'POST',
    path: signal.path,
    usage: `OTLP ${signal.noun} are sent with POST`,
    errors: otlpErrors(() => stats.otlp_requests_failed++),
    async handle(req, res) {
      const format = requestFormat(req, WIRE_FORMATS, 'application/x-protobuf or application/json');
      const request = decode(signal.decode[format], await readBody(req, options.maxBodyBytes));
      if (request.warnings.length > 0 && !warned) {
        warned = true;
        logger.warn(`OTLP request: ${request.warnings[0]} (logged once)`);
      }
      const items = signal.count(request);
      stats[counters.received] += items;
      let partial: PartialSuccess | undefined;
      if (items > 0) {
        const mapped = signal.map(request);
        stats[counters.rejected] += mapped.rejected;
        stats[counters.ignored] += mapped.ignored;
        const refusal = await admit(
          options.sink,
          mapped.events,
          options.admissionWaitMs,
          () => `request maps to ${mapped.events.length} events`,
          `lower the exporter's batch size (${signal.batchSizeSetting})`,
        );
        if (refusal) {
          stats[counters.refused] += items - mapped.rejected;
          throw refusal;
        }
        stats[counters.accepted] += items - mapped.rejected;
        if (mapped.rejected > 0) partial = { rejected: mapped.rejected, errorMessage: mapped.rejectionMessage ?? '' };
      }
      answer(res, 200, CONTENT_TYPES[format], encodeExportResponse(signal.response, format, partial));
    },
  };
}

function decode<R>(decoder: (body: Buffer) => R, body: Buffer): R {
  try {
    return decoder(body);
  } catch (err) {
    if (err instanceof DecodeError) throw octError('OCT_ERR_MALFORMED_BODY', err.message);
    throw err;
  }
}
