import type { PipelineEvent } from '../model/events.js';
import type { BoundedQueue } from './bounded-queue.js';
import type { EventSink, OfferResult } from './sink.js';

/** Waiting requests hold at most this many queues' worth of events between them, so waiting memory stays bounded. */
export const WAITING_QUEUES = 4;

const ADMITTED: OfferResult = Object.freeze({ admitted: true });
const QUEUE_FULL: OfferResult = Object.freeze({ admitted: false, reason: 'queue_full' });
const SHUTTING_DOWN: OfferResult = Object.freeze({ admitted: false, reason: 'shutting_down' });
const TOO_LARGE: OfferResult = Object.freeze({ admitted: false, reason: 'too_large' });

interface Waiter {
  events: PipelineEvent[];
  settle: (result: OfferResult) => void;
}

export interface AdmissionStats {
  /** Events offered by receivers. */
  received: number;
  /** Events admitted to the queue (received = enqueued + refused). */
  enqueued: number;
  /** Events refused because the queue was full, too small for the request, or shutting down. */
  refused: number;
  waiting_requests: number;
  waiting_events: number;
  max_waiting_events: number;
}

/** All-or-none admission to the queue; `offerWithin` waits for room in arrival order (the Collector's block_on_overflow). */
export class Admission implements EventSink {
  readonly capacity: number;
  readonly #queue: BoundedQueue<PipelineEvent>;
  readonly #maxWaitingEvents: number;
  /** Tells the batcher that events were queued or a request started waiting. */
  readonly #onChange: () => void;
  readonly #waiters: Waiter[] = [];
  #waitingEvents = 0;
  #closed = false;
  readonly #counts = { received: 0, enqueued: 0, refused: 0 };

  constructor(queue: BoundedQueue<PipelineEvent>, onChange: () => void) {
    this.#queue = queue;
    this.#onChange = onChange;
    this.capacity = queue.capacity;
    this.#maxWaitingEvents = WAITING_QUEUES * queue.capacity;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  offer(events: PipelineEvent[]): OfferResult {
    return this.#count(events.length, this.#tryAdmit(events));
  }

  async offerWithin(events: PipelineEvent[], waitMs: number): Promise<OfferResult> {
    const n = events.length;
    const first = this.#tryAdmit(events);
    if (first !== QUEUE_FULL || waitMs <= 0 || this.#waitingEvents + n > this.#maxWaitingEvents) return this.#count(n, first);
    this.#waitingEvents += n;
    const result = await new Promise<OfferResult>((resolve) => {
      const waiter: Waiter = {
        events,
        settle: (r) => {
          clearTimeout(timer);
          this.#waitingEvents -= n;
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.settle(QUEUE_FULL);
      }, waitMs);
      this.#waiters.push(waiter);
      this.#onChange();
    });
    return this.#count(n, result);
  }

  /** Room was freed: admits waiting requests, oldest first, for as long as they fit. */
  admitWaiting(): void {
    // The head is shifted only after its push, so the batcher still sees it waiting.
    while (this.#waiters.length > 0 && this.#push(this.#waiters[0].events)) this.#waiters.shift()!.settle(ADMITTED);
  }

  /** Refuses waiting requests and every later offer as shutting_down. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.settle(SHUTTING_DOWN);
  }

  stats(): AdmissionStats {
    return {
      ...this.#counts,
      waiting_requests: this.#waiters.length,
      waiting_events: this.#waitingEvents,
      max_waiting_events: this.#maxWaitingEvents,
    };
  }

  #tryAdmit(events: PipelineEvent[]): OfferResult {
    if (this.#closed) return SHUTTING_DOWN;
    if (events.length > this.capacity) return TOO_LARGE;
    return this.#waiters.length === 0 && this.#push(events) ? ADMITTED : QUEUE_FULL;
  }

  #push(events: PipelineEvent[]): boolean {
    if (!this.#queue.push(events, performance.now())) return false;
    this.#onChange();
    return true;
  }

  #count(n: number, result: OfferResult): OfferResult {
    this.#counts.received += n;
    this.#counts[result.admitted ? 'enqueued' : 'refused'] += n;
    return result;
  }
}
