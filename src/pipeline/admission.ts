import type { PipelineEvent } from '../model/events.js';
import type { BoundedQueue } from './bounded-queue.js';
import type { CommitWatch } from './commit-watch.js';
import { DrainRate } from './drain-rate.js';
import type { EventSink, OfferResult } from './sink.js';

/**
 * Waiting requests hold at most this many queues' worth of events between them (their bytes are in
 * OCT_MAX_INFLIGHT_MB as well): eight, so that eight SDK exporters' 512-span batches can all wait
 * through a burst instead of being refused and resent.
 */
export const WAITING_QUEUES = 8;

const ADMITTED: OfferResult = Object.freeze({ admitted: true });
const QUEUE_FULL: OfferResult = Object.freeze({ admitted: false, reason: 'queue_full' });
const SHUTTING_DOWN: OfferResult = Object.freeze({ admitted: false, reason: 'shutting_down' });
const TOO_LARGE: OfferResult = Object.freeze({ admitted: false, reason: 'too_large' });

interface Waiter {
  events: PipelineEvent[];
  /** Events already queued: a request at the head of the line is admitted part by part as room frees. */
  admitted: number;
  /** Queue sequence number of its first event, once its first part is queued. */
  first: number;
  /** Set when admitted in commit mode. */
  commit?: Promise<OfferResult>;
  settle: (result: OfferResult) => void;
}

export interface AdmissionStats {
  /** Events offered by receivers. */
  received: number;
  /** Events admitted to the queue (received = enqueued + refused). */
  enqueued: number;
  /** Events refused because the queue was full, too small for the request, the storage refused writes, or shutting down. */
  refused: number;
  /** Requests that had to wait for room (admitted or refused after the wait). */
  waited_requests: number;
  waiting_requests: number;
  waiting_events: number;
  max_waiting_events: number;
}

/**
 * Admission to the queue: a request that fits is queued whole; `offerWithin` lets one that does not
 * wait for room in arrival order (the Collector's block_on_overflow) and, given a CommitWatch
 * (OCT_ACK=commit), for the commit of the request's events. The request at the head of the line is
 * queued part by part as batches are written, so the writer always has the next batch while the
 * request is still arriving; once its first part is queued its wait no longer runs out, and it is
 * answered when its last part is queued (or committed). While the storage refuses writes (`suspend`)
 * every request is refused at once, and so is one that was partly queued: those parts are stored.
 */
export class Admission implements EventSink {
  readonly capacity: number;
  readonly #queue: BoundedQueue<PipelineEvent>;
  readonly #maxWaitingEvents: number;
  /** Tells the batcher that events were queued or a request started waiting. */
  readonly #onChange: () => void;
  readonly #waiters: Waiter[] = [];
  #waitingEvents = 0;
  #closed = false;
  /** Why the storage refuses writes, while it does. */
  #suspended: OfferResult | undefined;
  readonly #commits: CommitWatch | undefined;
  /** The commit of the request `#push` admitted last, in commit mode. */
  #lastCommit: Promise<OfferResult> | undefined;
  readonly #counts = { received: 0, enqueued: 0, refused: 0 };
  readonly #drain = new DrainRate();
  #admittedRequests = 0;
  /** When the next refused request is told to come back (performance.now() ms). */
  #nextTurn = 0;
  #waited = 0;

  constructor(queue: BoundedQueue<PipelineEvent>, onChange: () => void, commits?: CommitWatch) {
    this.#queue = queue;
    this.#commits = commits;
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
    if (first === ADMITTED) return this.#acknowledge(this.#count(n, first), this.#lastCommit);
    if (first !== QUEUE_FULL || waitMs <= 0 || this.#waitingEvents + n > this.#maxWaitingEvents) return this.#count(n, first);
    this.#waitingEvents += n;
    this.#waited++;
    const waiter: Waiter = { events, admitted: 0, first: 0, settle: () => {} };
    const result = await new Promise<OfferResult>((resolve) => {
      waiter.settle = (r) => {
        clearTimeout(timer);
        this.#waitingEvents -= n - waiter.admitted;
        resolve(r);
      };
      const timer = setTimeout(() => {
        if (waiter.admitted > 0) return;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.settle(QUEUE_FULL);
      }, waitMs);
      this.#waiters.push(waiter);
      this.#onChange();
      this.admitWaiting();
    });
    return this.#acknowledge(this.#count(n, result, waiter.admitted), waiter.commit);
  }

  foreseenRefusal(waitMs: number): OfferResult | undefined {
    if (this.#closed) return SHUTTING_DOWN;
    if (this.#suspended) return this.#suspended;
    if (this.#waiters.length === 0) return undefined;
    if (this.#waitingEvents >= this.#maxWaitingEvents) return QUEUE_FULL;
    // Waiters are admitted in order: this request gets room only once theirs is written.
    const toWrite = this.#queue.size + this.#waitingEvents - this.capacity;
    const rate = this.#drain.perSecond(performance.now());
    // No rate yet (the first burst after idle) foresees nothing: the request waits and sees.
    return rate > 0 && (toWrite * 1000) / rate > waitMs ? QUEUE_FULL : undefined;
  }

  retryAfterMs(events: number | undefined): number {
    const now = performance.now();
    const n = events ?? this.#counts.enqueued / Math.max(1, this.#admittedRequests);
    const rate = this.#drain.perSecond(now);
    if (rate === 0) return 0;
    const turn = Math.max(now + ((this.#queue.size + this.#waitingEvents) * 1000) / rate, this.#nextTurn);
    this.#nextTurn = turn + (n * 1000) / rate;
    return turn - now;
  }

  /** `n` events were written (or dropped by the writer): room was freed, and the write rate is measured. */
  written(n: number): void {
    this.#drain.record(n, performance.now());
    this.admitWaiting();
  }

  /** Room was freed: queues waiting requests, oldest first, the head one in parts, for as long as there is room. */
  admitWaiting(): void {
    let queued = false;
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0];
      const room = this.capacity - this.#queue.size;
      if (room <= 0) break;
      const whole = waiter.admitted === 0 && room >= waiter.events.length;
      const part = whole ? waiter.events : waiter.events.slice(waiter.admitted, waiter.admitted + room);
      this.#queue.push(part, performance.now());
      queued = true;
      if (waiter.admitted === 0) waiter.first = this.#queue.pushed - part.length + 1;
      waiter.admitted += part.length;
      this.#waitingEvents -= part.length;
      // The head is shifted only once wholly queued, so the batcher still sees it waiting meanwhile.
      if (waiter.admitted < waiter.events.length) break;
      this.#waiters.shift();
      waiter.commit = this.#commits?.committed(waiter.first, this.#queue.pushed);
      waiter.settle(ADMITTED);
    }
    // Once, after every part that fits is queued, so the batcher takes full batches.
    if (queued) this.#onChange();
  }

  /** The storage refuses writes: waiting requests and every later offer are refused until `resume`. */
  suspend(detail: string): void {
    this.#suspended = Object.freeze({ admitted: false, reason: 'storage_unavailable', detail });
    for (const waiter of this.#waiters.splice(0)) waiter.settle(this.#suspended);
  }

  resume(): void {
    this.#suspended = undefined;
  }

  /** Refuses waiting requests and every later offer as shutting_down. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.settle(SHUTTING_DOWN);
  }

  stats(): AdmissionStats {
    return {
      ...this.#counts,
      waited_requests: this.#waited,
      waiting_requests: this.#waiters.length,
      waiting_events: this.#waitingEvents,
      max_waiting_events: this.#maxWaitingEvents,
    };
  }

  #tryAdmit(events: PipelineEvent[]): OfferResult {
    if (this.#closed) return SHUTTING_DOWN;
    if (events.length > this.capacity) return TOO_LARGE;
    if (this.#suspended) return this.#suspended;
    return this.#waiters.length === 0 && this.#push(events) ? ADMITTED : QUEUE_FULL;
  }

  #push(events: PipelineEvent[]): boolean {
    if (!this.#queue.push(events, performance.now())) return false;
    // Registered before the batcher can take them, so no commit is missed.
    const last = this.#queue.pushed;
    this.#lastCommit = events.length > 0 ? this.#commits?.committed(last - events.length + 1, last) : undefined;
    this.#onChange();
    return true;
  }

  /** An admitted request is answered at once, or in commit mode once its events are committed. */
  async #acknowledge(admitted: OfferResult, commit: Promise<OfferResult> | undefined): Promise<OfferResult> {
    return admitted.admitted && commit ? commit : admitted;
  }

  /** `enqueued` of the `n` events were queued (all of an admitted request; parts of one refused while at the head of the line). */
  #count(n: number, result: OfferResult, enqueued = result.admitted ? n : 0): OfferResult {
    this.#counts.received += n;
    this.#counts.enqueued += enqueued;
    this.#counts.refused += n - enqueued;
    if (result.admitted) this.#admittedRequests++;
    return result;
  }
}
