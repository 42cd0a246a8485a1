import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PipelineEvent } from '../../model/events.js';
import type { EventSink, OfferResult } from '../../pipeline/sink.js';
import { mediaType, readOff } from '../body.js';
import { ERRORS, octError, OctError } from '../errors.js';
import type { Reservation } from '../inflight-budget.js';
import type { ErrorDialect } from './answer.js';

/**
 * One route of the HTTP receiver. `handle` answers success itself and throws an `OctError` for
 * any other outcome; the receiver answers it in `errors`' dialect, and answers 405 (with
 * `Allow`) to the methods no route of the path serves. `memory` is the request's share of the
 * in-flight budget (OCT_MAX_INFLIGHT_MB), given back by the receiver once the request is answered.
 */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Completes "method not allowed; …": "OTLP logs are sent with POST". */
  usage: string;
  errors: ErrorDialect;
  /** Served without an API key: liveness, readiness, and files that hold no data. Every other route needs one when keys are set. */
  public?: true;
  handle(req: IncomingMessage, res: ServerResponse, memory: Reservation): void | Promise<void>;
}

/** The wire format named by the request's Content-Type (case and parameters ignored), or a 415. */
export function requestFormat<F>(req: IncomingMessage, formats: Readonly<Record<string, F>>, expected: string): F {
  const format = formats[mediaType(req.headers['content-type'])];
  if (format === undefined) throw octError('OCT_ERR_UNSUPPORTED_MEDIA_TYPE', req.headers['content-type'] ?? '', expected);
  return format;
}

/**
 * Offers a request's events, waiting up to `waitMs` for room; the refusal, if any, as the error
 * to answer. `held` and `advice` complete the 413 for more events than the queue can ever hold.
 */
export async function admit(
  sink: EventSink,
  events: PipelineEvent[],
  waitMs: number,
  held: () => string,
  advice: string,
): Promise<OctError | undefined> {
  const offered = await sink.offerWithin(events, waitMs);
  return offered.admitted ? undefined : refusal(sink, offered, events.length, held, advice);
}

/**
 * Refuses a request before its body is decoded when no room can come within `waitMs` (see
 * `EventSink.foreseenRefusal`): inflating, decoding and mapping it would be work thrown away. The
 * body is read off and dropped first. `req` is unset for a gRPC message, which has been read.
 */
export async function refuseEarly(sink: EventSink, waitMs: number, req?: IncomingMessage): Promise<void> {
  const foreseen = sink.foreseenRefusal(waitMs);
  if (!foreseen || foreseen.admitted) return;
  if (req) await new Promise<void>((resolve) => readOff(req, resolve));
  throw refusal(sink, foreseen, undefined, () => '', '');
}

/** `events` is unknown for a request refused before its body was read. */
function refusal(
  sink: EventSink,
  offered: OfferResult & { admitted: false },
  events: number | undefined,
  held: () => string,
  advice: string,
): OctError {
  switch (offered.reason) {
    case 'too_large':
      return octError('OCT_ERR_TOO_MANY_EVENTS', held(), sink.capacity, advice);
    case 'queue_full':
      return new OctError('OCT_ERR_QUEUE_FULL', ERRORS.OCT_ERR_QUEUE_FULL.message(), [], sink.retryAfterMs(events));
    case 'shutting_down':
      return octError('OCT_ERR_SHUTTING_DOWN');
    case 'storage_unavailable':
      return octError('OCT_ERR_STORAGE_UNAVAILABLE', offered.detail ?? 'the database does not take writes');
  }
}
