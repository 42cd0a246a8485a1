import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PipelineEvent } from '../../model/events.js';
import type { EventSink } from '../../pipeline/sink.js';
import { mediaType } from '../body.js';
import { octError, type OctError } from '../errors.js';
import type { ErrorDialect } from './answer.js';

/**
 * One route of the HTTP receiver. `handle` answers success itself and throws an `OctError` for
 * any other outcome; the receiver answers it in `errors`' dialect, and answers 405 (with
 * `Allow`) to the methods no route of the path serves.
 */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** Completes "method not allowed; …": "OTLP logs are sent with POST". */
  usage: string;
  errors: ErrorDialect;
  /** Served without an API key: liveness, and files that hold no data. Every other route needs one when keys are set. */
  public?: true;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
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
  if (offered.admitted) return undefined;
  switch (offered.reason) {
    case 'too_large':
      return octError('OCT_ERR_TOO_MANY_EVENTS', held(), sink.capacity, advice);
    case 'queue_full':
      return octError('OCT_ERR_QUEUE_FULL');
    case 'shutting_down':
      return octError('OCT_ERR_SHUTTING_DOWN');
    case 'storage_unavailable':
      return octError('OCT_ERR_STORAGE_UNAVAILABLE', offered.detail ?? 'the database does not take writes');
  }
}
