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

/** What a receiver sees of the pipeline: all-or-nothing admission of one request's events. */
export interface EventSink {
  /** Admits every event of one request, or none of them, without waiting. Never throws. */
  offer(events: PipelineEvent[]): OfferResult;
  /**
   * Resolves when the request may be acknowledged: admitted (OCT_ACK `queue`), or admitted and
   * committed (`commit`); a full queue is waited on for up to `waitMs` before the request is refused.
   * Receivers answer on this.
   */
  offerWithin(events: PipelineEvent[], waitMs: number): Promise<OfferResult>;
  readonly capacity: number;
}
