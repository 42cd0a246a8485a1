import type { OfferResult } from './sink.js';

const COMMITTED: OfferResult = Object.freeze({ admitted: true });

interface Batch {
  /** Sequence number of its last event. */
  end: number;
  outcome: OfferResult | undefined;
}

interface Waiter {
  first: number;
  last: number;
  resolve: (result: OfferResult) => void;
}

/**
 * For OCT_ACK=commit: tells each request when every batch holding its events has settled. Events
 * are numbered in queue order (1, 2, …); batches are registered as they are taken and may settle in
 * any order, but a request is answered only once all batches up to its last event have, so its
 * events are committed whatever batches they span. A request any of whose batches was not
 * written gets that batch's refusal.
 */
export class CommitWatch {
  readonly #batches: Batch[] = [];
  readonly #waiters: Waiter[] = [];
  /** Events whose batches have all settled. */
  #settledThrough = 0;
  /** The last event of the latest batch that was not written, and why. */
  #failedThrough = 0;
  #failure: OfferResult = COMMITTED;

  /** A batch ending with event `end` was handed to the exporter; settle it with the returned handle. */
  taken(end: number): (outcome: OfferResult) => void {
    const batch: Batch = { end, outcome: undefined };
    this.#batches.push(batch);
    return (outcome) => {
      batch.outcome = outcome;
      this.#advance();
    };
  }

  /** Resolves once events `first` to `last` are written (COMMITTED), or with the refusal of a batch that was not. */
  committed(first: number, last: number): Promise<OfferResult> {
    if (last <= this.#settledThrough) return Promise.resolve(this.#verdict(first));
    return new Promise((resolve) => this.#waiters.push({ first, last, resolve }));
  }

  /** Everything still waiting gets `refusal` (shutdown gave up on the batches). */
  abandon(refusal: OfferResult): void {
    this.#batches.length = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(refusal);
  }

  #advance(): void {
    while (this.#batches.length > 0 && this.#batches[0].outcome !== undefined) {
      const batch = this.#batches.shift()!;
      if (!batch.outcome!.admitted) {
        this.#failedThrough = batch.end;
        this.#failure = batch.outcome!;
      }
      this.#settledThrough = batch.end;
      // Answered batch by batch, so a later batch's failure is never blamed on an earlier request.
      while (this.#waiters.length > 0 && this.#waiters[0].last <= this.#settledThrough) {
        const waiter = this.#waiters.shift()!;
        waiter.resolve(this.#verdict(waiter.first));
      }
    }
  }

  #verdict(first: number): OfferResult {
    return first <= this.#failedThrough ? this.#failure : COMMITTED;
  }
}
