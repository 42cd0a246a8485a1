import type { PipelineEvent } from '../model/events.js';

/**
 * Why events were not admitted:
 * - `queue_full`: not enough free room right now; retryable (HTTP 503 + Retry-After).
 * - `too_large`: more events than the queue can ever hold; not retryable (HTTP 413).
 * - `shutting_down`: the pipeline is draining for exit; retryable against the next process.
 * - `storage_unavailable`: the storage refuses writes (a full disk, a file oct may not write); `detail`
 *   says which; retryable: what was admitted before is kept and written once the storage takes writes.
 */
export type RefusalReason = 'queue_full' | 'too_large' | 'shutting_down' | 'storage_unavailable';

export type OfferResult = { admitted: true } | { admitted: false; reason: RefusalReason; detail?: string };

/** What a receiver sees of the pipeline: admission of one request's events. */
export interface EventSink {
  /** Admits every event of one request, or none of them, without waiting. Never throws. */
  offer(events: PipelineEvent[]): OfferResult;
  /**
   * Resolves when the request may be acknowledged: admitted (OCT_ACK `queue`), or admitted and
   * committed (`commit`); a full queue is waited on for up to `waitMs` before the request is refused.
   * A request at the head of the line is queued in parts as room frees; once a part is queued it
   * is no longer refused for time, and if it is refused for another reason those parts are stored.
   * Receivers answer on this.
   */
  offerWithin(events: PipelineEvent[], waitMs: number): Promise<OfferResult>;
  /**
   * The refusal a request arriving now is sure to get whatever it holds, so that it can be refused
   * before its body is read: the storage refuses writes, oct is stopping, or the requests already
   * waiting (served first) cannot all be admitted within `waitMs` at the measured write rate.
   */
  foreseenRefusal(waitMs: number): OfferResult | undefined;
  /**
   * When a request of `events` refused for a full queue should come back, in ms: once what is queued
   * and waiting, and the requests told to come back before it, are written at the measured rate.
   * Successive refusals get successive turns, so their retries arrive spread out, not at once.
   * `events` unknown (a request refused before its body was read) counts as an average request.
   * 0 when nothing was written lately, so there is no rate to go by.
   */
  retryAfterMs(events: number | undefined): number;
  readonly capacity: number;
}
