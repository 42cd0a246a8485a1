import type { Logger } from '../../logger.js';
import type { RejectionLog } from '../rejection-log.js';
import type { PipelineEvent } from '../../model/events.js';
import type { EventSink } from '../../pipeline/sink.js';
import { octError } from '../errors.js';
import { admit, refuseEarly } from '../http/route.js';
import { countOtlp, type OtlpStats, type ReceiverStats, type Transport } from '../receiver-stats.js';
import { DecodeError } from './decode-errors.js';
import type { ExportResponse, PartialSuccess, WireFormat } from './encode-response.js';

/** What every OTLP receiver (HTTP route, gRPC service) needs from the runtime. */
export interface OtlpRouteOptions {
  sink: EventSink;
  maxBodyBytes: number;
  /** How long a request may wait for room in a full queue before it is refused. */
  admissionWaitMs: number;
  stats: ReceiverStats;
  logger: Logger;
  rejections: RejectionLog;
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

/** What a signal (traces, logs) plugs into the OTLP receivers. */
export interface OtlpSignal<R extends { warnings: string[] }> {
  /** `/v1/traces`, `/v1/logs`. */
  path: string;
  /** Names the signal in answers: "OTLP traces are sent with POST". */
  noun: string;
  decode: Record<WireFormat, (body: Buffer) => R>;
  /** Items (spans, log records) in a decoded request. */
  count: (request: R) => number;
  map: (request: R) => SignalMapping;
  /** Sees every admitted request with its events (the content hint watches traces). */
  admitted?: (events: readonly PipelineEvent[]) => void;
  response: ExportResponse;
  /** Receiver counters of the signal's items. */
  counters: Record<'received' | 'accepted' | 'refused' | 'rejected' | 'ignored', keyof OtlpStats>;
  /** The SDK setting that bounds a request, named in the too-many-events answer. */
  batchSizeSetting: string;
}

/** One OTLP export, whatever carried it: the bytes of an `Export…ServiceRequest` in, `partial_success` (or nothing) out. */
export type SignalExport = (body: Buffer, format: WireFormat, transport: Transport) => Promise<PartialSuccess | undefined>;

/**
 * decode → map → offer: resolves once every event of the request is admitted to the queue, and
 * throws the `OctError` to answer otherwise. It never waits for SQLite.
 */
export function signalExport<R extends { warnings: string[] }>(signal: OtlpSignal<R>, options: OtlpRouteOptions): SignalExport {
  const { stats, logger } = options;
  const counters = signal.counters;
  let warned = false;
  return async (body, format, transport) => {
    await refuseEarly(options.sink, options.admissionWaitMs);
    const request = decodeOrRefuse(signal.decode[format], body);
    if (request.warnings.length > 0 && !warned) {
      warned = true;
      logger.warn(`OTLP request: ${request.warnings[0]} (logged once)`);
    }
    const items = signal.count(request);
    countOtlp(stats, transport, counters.received, items);
    if (items === 0) return undefined;
    const mapped = signal.map(request);
    countOtlp(stats, transport, counters.rejected, mapped.rejected);
    countOtlp(stats, transport, counters.ignored, mapped.ignored);
    const refusal = await admit(
      options.sink,
      mapped.events,
      options.admissionWaitMs,
      () => `request maps to ${mapped.events.length} events`,
      `lower the exporter's batch size (${signal.batchSizeSetting})`,
    );
    if (refusal) {
      countOtlp(stats, transport, counters.refused, items - mapped.rejected);
      throw refusal;
    }
    countOtlp(stats, transport, counters.accepted, items - mapped.rejected);
    signal.admitted?.(mapped.events);
    return mapped.rejected > 0 ? { rejected: mapped.rejected, errorMessage: mapped.rejectionMessage ?? '' } : undefined;
  };
}

/** Runs a decoder; its `DecodeError` becomes the malformed-body answer. */
export function decodeOrRefuse<R>(decoder: (body: Buffer) => R, body: Buffer): R {
  try {
    return decoder(body);
  } catch (err) {
    if (err instanceof DecodeError) throw octError('OCT_ERR_MALFORMED_BODY', err.message).causedBy(err.cause);
    throw err;
  }
}
