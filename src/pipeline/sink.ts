import type { PipelineEvent } from '../model/events.js';

/**
 * Why events were not admitted:
 * - `queue_full`: not enough free room right now; retryable (HTTP 503 + Retry-After).
 * - `too_large`: more events than the queue can ever hold; not retryable (HTTP 413).
 * - `shutting_down`: the pipeline is draining for exit; retryable against the next process.
 */
export type RefusalReason = 'queue_full' | 'too_large' | 'shutting_down';

export type OfferResult = { admitted: true } | { admitted: false; reason: RefusalReason };

/** What a receiver sees of the pipeline: one non-blocking, all-or-nothing `offer`. */
export interface EventSink {
  /** Admits every event of one request, or none of them. Never blocks, never throws. */
  offer(events: PipelineEvent[]): OfferResult;
  /** `offer`, but a full queue is waited on for up to `waitMs` before the request is refused. */
  offerWithin(events: PipelineEvent[], waitMs: number): Promise<OfferResult>;
  readonly capacity: number;
}
