import type { AckMode } from '../config/config.js';
import { LogLimiter } from '../log-limiter.js';
import type { Logger } from '../logger.js';
import type { PipelineEvent } from '../model/events.js';
import { Admission, type AdmissionStats } from './admission.js';
import { BoundedQueue } from './bounded-queue.js';
import { CommitWatch } from './commit-watch.js';
import type { Component } from './component.js';
import type { Exporter, RowsWritten } from './exporter.js';
import type { OfferResult } from './sink.js';

export interface BatchProcessorOptions {
  /** Events admitted but not yet written: queued plus the batches being written. */
  capacity: number;
  /** A batch is flushed as soon as this many events are queued… */
  maxRows: number;
  /** …or this many milliseconds after its first event arrived, whichever comes first. */
  timeoutMs: number;
  /** Shutdown gives up draining after this long; what is left is counted as lost. */
  shutdownTimeoutMs: number;
  /** `commit`: requests are answered once their events are committed (OCT_ACK); default `queue`. */
  ack?: AckMode;
}

const SHUTTING_DOWN: OfferResult = Object.freeze({ admitted: false, reason: 'shutting_down' });
const WRITTEN: OfferResult = Object.freeze({ admitted: true });

/** Batches with the exporter at once, so the writer thread commits them back to back while this thread decodes. */
export const MAX_FLUSHES_IN_FLIGHT = 16;

/** What happened to events, named after the OpenTelemetry Collector's receiver/exporter metrics. */
export interface PipelineStats extends AdmissionStats {
  /** Events written (enqueued = persisted + failed + duplicates + lost + pending). */
  persisted: number;
  failed: number;
  duplicates: number;
  /** Events still held when the shutdown timeout ran out. */
  lost: number;
  pending: number;
  /** Of `persisted`: rows of trace events in `traces`, of error events in `errors`. */
  rows_written: RowsWritten;
  capacity: number;
  batches: number;
  /** Batches flushed because they were full (or pressed for room), and because their timer ran out. */
  size_triggered: number;
  timeout_triggered: number;
  flushes_in_flight: number;
  max_flushes_in_flight: number;
}

/** Sees every batch: its size when it is handed to the exporter, and how long its transaction took once written. */
export interface BatchObserver {
  flushed(size: number): void;
  written(seconds: number): void;
}

/**
 * Hands the queued events to the exporter in batches of at most `maxRows`, in order. While the
 * exporter says its storage refuses writes, admission refuses every request; the batches it holds
 * stay counted in the queue until they are written.
 */
export class BatchProcessor implements Component {
  /** The receivers' sink. */
  readonly admission: Admission;
  readonly #queue: BoundedQueue<PipelineEvent>;
  readonly #options: BatchProcessorOptions;
  readonly #exporter: Exporter;
  readonly #logger: Logger;
  #flushesInFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  /** Set when shutdown timed out: what was held is already counted as lost. */
  #gaveUp = false;
  #shutdown: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;
  readonly #commits: CommitWatch | undefined;
  /** Events taken for batches so far: the sequence number of the last one. */
  #takenThrough = 0;
  readonly #stats = { persisted: 0, failed: 0, duplicates: 0, lost: 0, batches: 0, size_triggered: 0, timeout_triggered: 0 };
  readonly #written: RowsWritten = { traces: 0, errors: 0 };
  readonly #observers: BatchObserver[] = [];
  readonly #repeats = new LogLimiter();

  constructor(exporter: Exporter, options: BatchProcessorOptions, logger: Logger) {
    this.#exporter = exporter;
    this.#options = options;
    this.#logger = logger;
    this.#queue = new BoundedQueue(options.capacity);
    this.#commits = options.ack === 'commit' ? new CommitWatch() : undefined;
    this.admission = new Admission(this.#queue, () => this.#schedule(), this.#commits);
    exporter.onStorageState?.((state) => (state.writable ? this.admission.resume() : this.admission.suspend(state.reason)));
  }

  async start(): Promise<void> {}

  observe(observer: BatchObserver): void {
    this.#observers.push(observer);
  }

  stats(): PipelineStats {
    return {
      ...this.admission.stats(),
      ...this.#stats,
      pending: this.#queue.size,
      rows_written: { ...this.#written },
      capacity: this.#queue.capacity,
      flushes_in_flight: this.#flushesInFlight,
      max_flushes_in_flight: MAX_FLUSHES_IN_FLIGHT,
    };
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= this.#drain();
    return this.#shutdown;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    this.admission.close();
    if (this.#queue.size === 0) return;
    const drained = new Promise<void>((resolve) => (this.#onIdle = resolve));
    this.#schedule();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.#options.shutdownTimeoutMs)));
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return;
    this.#gaveUp = true;
    clearTimeout(this.#timer);
    const lost = this.#queue.clear();
    this.#stats.lost += lost;
    this.#commits?.abandon(SHUTTING_DOWN);
    this.#logger.error(`shutdown timed out after ${this.#options.shutdownTimeoutMs} ms with ${lost} events not written; they are lost`);
  }

  /** Starts the flushes that are due, or arms the timer for the oldest queued event. */
  #schedule(): void {
    while (this.#flushesInFlight < MAX_FLUSHES_IN_FLIGHT && this.#queue.length > 0) {
      // A waiting request or a drain is back-pressure: a partial batch held for its timer only keeps the queue full.
      if (this.#queue.length < this.#options.maxRows && !this.#draining && this.admission.waiting === 0) break;
      this.#flush('size');
    }
    if (this.#timer || this.#queue.length === 0 || this.#flushesInFlight >= MAX_FLUSHES_IN_FLIGHT) return;
    const due = this.#queue.oldestArrival()! + this.#options.timeoutMs;
    this.#timer = setTimeout(() => this.#flush('timeout'), Math.max(0, due - performance.now()));
    this.#timer.unref();
  }

  #flush(trigger: 'size' | 'timeout'): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.take(this.#options.maxRows);
    this.#takenThrough += batch.length;
    const committed = this.#commits?.taken(this.#takenThrough);
    this.#flushesInFlight++;
    this.#stats.batches++;
    this.#stats[trigger === 'size' ? 'size_triggered' : 'timeout_triggered']++;
    for (const observer of this.#observers) observer.flushed(batch.length);
    this.#exporter.export(batch).then(
      (result) => {
        // A batch that completes after shutdown gave up on it was counted as lost: recount it.
        if (this.#gaveUp) this.#stats.lost -= batch.length;
        this.#stats.persisted += result.persisted;
        this.#stats.failed += result.failed;
        this.#stats.duplicates += result.duplicates;
        this.#written.traces += result.written.traces;
        this.#written.errors += result.written.errors;
        for (const observer of this.#observers) observer.written(result.seconds);
        committed?.(WRITTEN);
        this.#settled(batch.length);
      },
      (err: unknown) => {
        if (this.#gaveUp) return;
        this.#stats.failed += batch.length;
        const message = (err as Error).message;
        this.#repeats.note(
          message,
          (line) => this.#logger.error(line),
          () => `batch of ${batch.length} events could not be written and is dropped: ${message}`,
          (n, kind) => `${n} more batches could not be written and were dropped in the last minute: ${kind}`,
        );
        committed?.(
          this.#draining
            ? SHUTTING_DOWN
            : { admitted: false, reason: 'storage_unavailable', detail: `a batch could not be written (${message})` },
        );
        this.#settled(batch.length);
      },
    );
  }

  #settled(n: number): void {
    if (this.#gaveUp) return;
    this.#queue.release(n);
    this.#flushesInFlight--;
    this.admission.written(n);
    if (this.#draining && this.#queue.size === 0) this.#onIdle?.();
    // Next flush on a fresh tick so HTTP handlers run between back-to-back batches.
    else setImmediate(() => this.#schedule());
  }
}
