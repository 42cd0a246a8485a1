import type { Logger } from '../logger.js';
import { BoundedQueue } from './bounded-queue.js';
import type { Component } from './component.js';
import type { PipelineEvent } from '../model/events.js';
import type { Exporter } from './exporter.js';
import type { EventSink, OfferResult } from './sink.js';

export interface BatchProcessorOptions {
  /** Events admitted but not yet written: queued plus the batch being written. */
  capacity: number;
  /** A batch is flushed as soon as this many events are queued… */
  maxRows: number;
  /** …or this many milliseconds after its first event arrived, whichever comes first. */
  timeoutMs: number;
  /** Shutdown gives up draining after this long; what is left is counted as lost. */
  shutdownTimeoutMs: number;
}

/**
 * Batches handed to the exporter at once. Full batches go to the writer thread as soon as they
 * are cut, so it commits them back to back even while the HTTP thread is busy decoding; the
 * queue's capacity (which counts them) is what bounds them.
 */
const MAX_FLUSHES_IN_FLIGHT = 16;

/** Requests waiting for room may hold this many queues' worth of events between them. */
const WAITING_QUEUES = 4;

interface Waiter {
  events: PipelineEvent[];
  settle: (result: OfferResult) => void;
}

/** What happened to events, named after the OpenTelemetry Collector's receiver/exporter metrics. */
export interface PipelineStats {
  /** Events offered by receivers. */
  received: number;
  /** Events admitted to the queue (received = enqueued + refused). */
  enqueued: number;
  /** Events refused because the queue was full, too small for the request, or shutting down. */
  refused: number;
  /** Events written (enqueued = persisted + failed + duplicates + lost + pending). */
  persisted: number;
  failed: number;
  duplicates: number;
  /** Events still held when the shutdown timeout ran out. */
  lost: number;
  /** Events admitted and not yet written. */
  pending: number;
  capacity: number;
  batches: number;
  /** Batches flushed because they were full, and because their timer ran out. */
  size_triggered: number;
  timeout_triggered: number;
}

/**
 * The bounded queue and the batcher in one component: receivers `offer` events, the processor
 * hands batches of at most `maxRows` to the exporter, in order.
 */
export class BatchProcessor implements Component, EventSink {
  readonly capacity: number;
  readonly #options: BatchProcessorOptions;
  readonly #exporter: Exporter;
  readonly #logger: Logger;
  readonly #queue = new BoundedQueue<PipelineEvent>();
  /** Events in batches handed to the exporter and not yet settled. */
  #inFlight = 0;
  #flushesInFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  /** Set when shutdown timed out: what was held is already counted as lost. */
  #gaveUp = false;
  #shutdown: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;
  /** Requests waiting for room, oldest first; their events are bounded by `WAITING_QUEUES`. */
  readonly #waiters: Waiter[] = [];
  #waitingEvents = 0;
  readonly #stats = {
    received: 0,
    enqueued: 0,
    refused: 0,
    persisted: 0,
    failed: 0,
    duplicates: 0,
    lost: 0,
    batches: 0,
    size_triggered: 0,
    timeout_triggered: 0,
  };

  constructor(exporter: Exporter, options: BatchProcessorOptions, logger: Logger) {
    this.#exporter = exporter;
    this.#options = options;
    this.#logger = logger;
    this.capacity = options.capacity;
  }

  async start(): Promise<void> {}

  offer(events: PipelineEvent[]): OfferResult {
    return this.#count(events.length, this.#admit(events));
  }

  /**
   * Like `offer`, but when the queue is full it waits up to `waitMs` for room instead of refusing
   * at once (the Collector's block_on_overflow). Waiting requests are admitted in arrival order
   * and hold at most `WAITING_QUEUES × capacity` events between them, so memory stays bounded.
   */
  async offerWithin(events: PipelineEvent[], waitMs: number): Promise<OfferResult> {
    const n = events.length;
    const first = this.#admit(events);
    if (first.admitted || first.reason !== 'queue_full' || waitMs <= 0 || this.#waitingEvents + n > WAITING_QUEUES * this.capacity) {
      return this.#count(n, first);
    }
    this.#waitingEvents += n;
    const result = await new Promise<OfferResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        resolve({ admitted: false, reason: 'queue_full' });
      }, waitMs);
      const waiter: Waiter = { events, settle: (r) => (clearTimeout(timer), resolve(r)) };
      this.#waiters.push(waiter);
      this.#schedule(); // a partial batch is no longer held for its timer
    });
    this.#waitingEvents -= n;
    return this.#count(n, result);
  }

  /** Admits all of `events` or none; later arrivals never overtake waiting requests. */
  #admit(events: PipelineEvent[], waiting = false): OfferResult {
    const n = events.length;
    if (this.#closing) return { admitted: false, reason: 'shutting_down' };
    if (n > this.capacity) return { admitted: false, reason: 'too_large' };
    if ((!waiting && this.#waiters.length > 0) || this.#pending() + n > this.capacity) return { admitted: false, reason: 'queue_full' };
    if (n > 0) {
      this.#queue.push(events, performance.now());
      this.#schedule();
    }
    return { admitted: true };
  }

  #count(n: number, result: OfferResult): OfferResult {
    this.#stats.received += n;
    this.#stats[result.admitted ? 'enqueued' : 'refused'] += n;
    return result;
  }

  /** Room was freed (or shutdown began): settle the waiting requests that can be settled now. */
  #admitWaiters(): void {
    while (this.#waiters.length > 0) {
      const result = this.#admit(this.#waiters[0].events, true);
      if (!result.admitted && result.reason === 'queue_full') return;
      this.#waiters.shift()!.settle(result);
    }
  }

  stats(): PipelineStats {
    return { ...this.#stats, pending: this.#pending(), capacity: this.capacity };
  }

  /** Stops admitting, writes everything held, and resolves once done or timed out. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#drain();
    return this.#shutdown;
  }

  async #drain(): Promise<void> {
    this.#closing = true;
    this.#admitWaiters();
    if (this.#pending() === 0) return;
    const drained = new Promise<void>((resolve) => (this.#onIdle = resolve));
    this.#schedule();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.#options.shutdownTimeoutMs)));
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const lost = this.#pending();
      this.#gaveUp = true;
      this.#queue.take(Infinity);
      this.#inFlight = 0;
      this.#stats.lost += lost;
      this.#logger.error(`shutdown timed out after ${this.#options.shutdownTimeoutMs} ms with ${lost} events not written; they are lost`);
    }
  }

  #pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Starts the flushes that are due, or arms the timer for the oldest queued event. */
  #schedule(): void {
    while (this.#flushesInFlight < MAX_FLUSHES_IN_FLIGHT && this.#queue.length > 0) {
      // A request waiting for room (or shutdown) is back-pressure: holding a partial batch for its
      // timer would only keep the queue full, so it is written now.
      if (this.#queue.length < this.#options.maxRows && !this.#closing && this.#waiters.length === 0) break;
      this.#flush('size');
    }
    if (this.#timer || this.#queue.length === 0 || this.#flushesInFlight >= MAX_FLUSHES_IN_FLIGHT) return;
    const due = this.#queue.oldestArrival()! + this.#options.timeoutMs;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (this.#queue.length > 0 && this.#flushesInFlight < MAX_FLUSHES_IN_FLIGHT) this.#flush('timeout');
      },
      Math.max(0, due - performance.now()),
    );
    this.#timer.unref();
  }

  #flush(trigger: 'size' | 'timeout'): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.take(this.#options.maxRows);
    this.#inFlight += batch.length;
    this.#flushesInFlight++;
    this.#stats.batches++;
    this.#stats[trigger === 'size' ? 'size_triggered' : 'timeout_triggered']++;
    this.#exporter
      .export(batch)
      .then(
        (result) => {
          // A batch that completes after shutdown gave up on it was counted as lost: recount it.
          if (this.#gaveUp) this.#stats.lost -= batch.length;
          this.#stats.persisted += result.persisted;
          this.#stats.failed += result.failed;
          this.#stats.duplicates += result.duplicates;
        },
        (err: unknown) => {
          if (this.#gaveUp) return;
          this.#stats.failed += batch.length;
          this.#logger.error(`batch of ${batch.length} events could not be written and is dropped: ${(err as Error).message}`);
        },
      )
      .finally(() => {
        if (this.#gaveUp) return;
        this.#inFlight -= batch.length;
        this.#flushesInFlight--;
        this.#admitWaiters();
        if (this.#closing && this.#pending() === 0) this.#onIdle?.();
        // Next flush on a fresh tick so HTTP handlers run between back-to-back batches.
        else setImmediate(() => this.#schedule());
      });
  }
}
