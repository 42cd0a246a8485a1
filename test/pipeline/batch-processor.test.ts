import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import {
  BatchProcessor,
  MAX_FLUSHES_IN_FLIGHT,
  type BatchProcessorOptions,
  type PipelineStats,
} from '../../src/pipeline/batch-processor.js';
import { WAITING_QUEUES } from '../../src/pipeline/admission.js';
import { traceEvent, traceEvents } from '../factories.js';
import { FakeExporter, flushMicrotasks, written } from './fake-exporter.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(options: Partial<BatchProcessorOptions> = {}) {
  const exporter = new FakeExporter();
  const logLines: string[] = [];
  const processor = new BatchProcessor(
    exporter,
    { capacity: 512, maxRows: 50, timeoutMs: 500, shutdownTimeoutMs: 10_000, ...options },
    createLogger('info', (line) => logLines.push(line)),
  );
  return { processor, sink: processor.admission, exporter, logLines };
}

function expectCountersToAddUp(s: PipelineStats): void {
  expect(s.received).toBe(s.enqueued + s.refused);
  expect(s.enqueued).toBe(s.persisted + s.failed + s.duplicates + s.lost + s.pending);
}

/** Persists every export, running timers and fresh ticks, until nothing is pending. */
async function settleEverything(processor: BatchProcessor, exporter: FakeExporter): Promise<void> {
  for (let round = 0; processor.stats().pending > 0; round++) {
    if (round > 200) throw new Error('the pipeline does not drain');
    exporter.resolveAll();
    await flushMicrotasks();
    await vi.advanceTimersByTimeAsync(round % 2 === 0 ? 0 : 500);
  }
}

describe('batch processor', () => {
  it('flushes 120 events as batches of 50, 50 and 20, the last when its timer runs out', async () => {
    const { processor, sink, exporter } = setup();
    const events = traceEvents(120);
    for (const event of events) expect(sink.offer([event])).toEqual({ admitted: true });
    expect(exporter.sizes).toEqual([50, 50]);
    vi.advanceTimersByTime(499);
    expect(exporter.sizes).toEqual([50, 50]);
    vi.advanceTimersByTime(1);
    expect(exporter.sizes).toEqual([50, 50, 20]);
    exporter.resolveAll();
    await flushMicrotasks();
    expect(exporter.delivered).toEqual(events);
    const stats = processor.stats();
    expect(stats).toMatchObject({ batches: 3, size_triggered: 2, timeout_triggered: 1, persisted: 120, pending: 0 });
    expectCountersToAddUp(stats);
  });

  it('writes a lone event exactly 500 ms after it arrived, not before', () => {
    const { processor, sink, exporter } = setup();
    sink.offer([traceEvent()]);
    vi.advanceTimersByTime(499);
    expect(exporter.sizes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exporter.sizes).toEqual([1]);
    expect(processor.stats()).toMatchObject({ timeout_triggered: 1, size_triggered: 0 });
  });

  it('times a batch from its first event, not its last', () => {
    const { sink, exporter } = setup();
    sink.offer([traceEvent()]);
    vi.advanceTimersByTime(300);
    sink.offer([traceEvent()]);
    vi.advanceTimersByTime(200);
    expect(exporter.sizes).toEqual([2]);
  });

  it('flushes a full batch once, at its 50th event, and arms no timer after it', () => {
    const { processor, sink, exporter } = setup();
    sink.offer(traceEvents(49));
    expect(exporter.sizes).toEqual([]);
    sink.offer(traceEvents(1));
    expect(exporter.sizes).toEqual([50]);
    vi.advanceTimersByTime(10_000);
    expect(exporter.sizes).toEqual([50]);
    expect(processor.stats()).toMatchObject({ batches: 1, size_triggered: 1, timeout_triggered: 0 });
  });

  it(`keeps at most ${MAX_FLUSHES_IN_FLIGHT} flushes in flight, and starts the next one on a fresh tick`, async () => {
    const { processor, sink, exporter } = setup({ capacity: 1_000 });
    sink.offer(traceEvents(17 * 50));
    expect(exporter.sizes).toHaveLength(MAX_FLUSHES_IN_FLIGHT);
    expect(processor.stats()).toMatchObject({ flushes_in_flight: 16, max_flushes_in_flight: 16, pending: 850 });
    exporter.exports[0].resolve();
    await flushMicrotasks();
    // The first batch is settled, but the next flush waits for a fresh tick (HTTP handlers run first).
    expect(processor.stats()).toMatchObject({ flushes_in_flight: 15, pending: 800 });
    expect(exporter.sizes).toHaveLength(16);
    vi.advanceTimersByTime(0);
    expect(exporter.sizes).toHaveLength(17);
    expect(processor.stats()).toMatchObject({ flushes_in_flight: 16, timeout_triggered: 0 });
  });

  it('drains a backlog of 5,000 in full batches back to back, without waiting for the timer', async () => {
    const { processor, sink, exporter } = setup({ capacity: 5_000 });
    const events = traceEvents(5_000);
    for (let i = 0; i < 100; i++) expect(sink.offer(events.slice(i * 50, i * 50 + 50)).admitted).toBe(true);
    const started = performance.now();
    // 100 batches at up to 16 at a time drain in 7 rounds of ticks; 50 leave room for a slower schedule.
    for (let round = 0; round < 50 && processor.stats().pending > 0; round++) {
      exporter.resolveAll();
      await flushMicrotasks();
      vi.advanceTimersByTime(0);
    }
    expect(performance.now()).toBe(started); // not a single fake millisecond passed
    expect(exporter.sizes).toEqual(Array<number>(100).fill(50));
    expect(exporter.delivered).toEqual(events);
    expect(processor.stats()).toMatchObject({ persisted: 5_000, timeout_triggered: 0, size_triggered: 100 });
  });

  it('admits exactly 512 of 10,000 events while the exporter is busy, and hands over exactly those, in order', async () => {
    const { processor, sink, exporter } = setup();
    const offers = traceEvents(10_000);
    let admitted = 0;
    for (const event of offers) if (sink.offer([event]).admitted) admitted++;
    expect(admitted).toBe(512);
    expect(processor.stats()).toMatchObject({ received: 10_000, enqueued: 512, refused: 9_488, pending: 512 });
    await settleEverything(processor, exporter);
    expect(exporter.delivered).toEqual(offers.slice(0, 512));
    expectCountersToAddUp(processor.stats());
  });

  it('refuses a request larger than the queue as too large, and all-or-nothing when it does not fit', () => {
    const { processor, sink } = setup({ capacity: 100 });
    expect(sink.offer(traceEvents(101))).toEqual({ admitted: false, reason: 'too_large' });
    expect(sink.offer(traceEvents(60)).admitted).toBe(true);
    expect(sink.offer(traceEvents(41))).toEqual({ admitted: false, reason: 'queue_full' });
    expect(sink.offer(traceEvents(40)).admitted).toBe(true);
    expect(processor.stats()).toMatchObject({ enqueued: 100, refused: 142, pending: 100 });
  });

  it('counts every event of a 50,000-event burst once, and the counters add up', async () => {
    const { processor, sink, exporter } = setup();
    for (let i = 0; i < 50_000; i++) {
      sink.offer([traceEvent()]);
      if (i % 200 === 0) {
        exporter.resolveAll();
        await flushMicrotasks();
        vi.advanceTimersByTime(0);
      }
    }
    await settleEverything(processor, exporter);
    const s = processor.stats();
    expect(s.received).toBe(50_000);
    expectCountersToAddUp(s);
    expect(s.failed).toBe(0);
    expect(exporter.delivered).toHaveLength(s.persisted);
    expect(s.persisted).toBeGreaterThan(512);
  });

  it('delivers batches in arrival order, whatever order the exports complete in', async () => {
    const { sink, exporter } = setup();
    const events = traceEvents(400);
    for (let i = 0; i < 8; i++) sink.offer(events.slice(i * 50, i * 50 + 50));
    for (const i of [5, 2, 7, 0]) exporter.exports[i].resolve();
    await flushMicrotasks();
    sink.offer(traceEvents(50));
    expect(exporter.delivered.slice(0, 400)).toEqual(events);
    expect(exporter.sizes).toEqual(Array<number>(9).fill(50));
  });

  it("adds the exporter's persisted, failed and duplicate counts", async () => {
    const { processor, sink, exporter } = setup();
    sink.offer(traceEvents(100));
    exporter.exports[0].resolve(written(49, { failed: 1 }));
    exporter.exports[1].resolve(written(48, { duplicates: 2 }));
    await flushMicrotasks();
    const stats = processor.stats();
    expect(stats).toMatchObject({ persisted: 97, failed: 1, duplicates: 2, pending: 0 });
    expectCountersToAddUp(stats);
  });

  it('counts a rejected batch as failed, logs it once, and goes on with the next', async () => {
    const { processor, sink, exporter, logLines } = setup();
    sink.offer(traceEvents(50));
    exporter.exports[0].reject(new Error('disk I/O error'));
    await flushMicrotasks();
    expect(processor.stats()).toMatchObject({ failed: 50, persisted: 0, pending: 0 });
    expect(logLines.filter((l) => l.includes('could not be written'))).toEqual([expect.stringContaining('disk I/O error')]);
    sink.offer(traceEvents(50));
    exporter.exports[1].resolve();
    await flushMicrotasks();
    expect(processor.stats()).toMatchObject({ failed: 50, persisted: 50 });
    expectCountersToAddUp(processor.stats());
  });

  describe('shutdown', () => {
    it('drains everything at once, without waiting for the timer, and refuses new events after it', async () => {
      const { processor, sink, exporter } = setup();
      const events = traceEvents(210);
      for (let i = 0; i < 7; i++) sink.offer(events.slice(i * 30, i * 30 + 30));
      let done = false;
      void processor.shutdown().then(() => (done = true));
      expect(sink.offer([traceEvent()])).toEqual({ admitted: false, reason: 'shutting_down' });
      expect(exporter.sizes).toEqual([50, 50, 50, 50, 10]);
      exporter.resolveAll();
      await flushMicrotasks();
      expect(done).toBe(true);
      expect(exporter.delivered).toEqual(events);
      expect(processor.stats()).toMatchObject({ persisted: 210, pending: 0, timeout_triggered: 0, refused: 1 });
    });

    it('waits for the batches in flight before it resolves', async () => {
      const { processor, sink, exporter } = setup();
      sink.offer(traceEvents(50));
      let done = false;
      void processor.shutdown().then(() => (done = true));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(done).toBe(false);
      exporter.resolveAll();
      await flushMicrotasks();
      expect(done).toBe(true);
    });

    it('gives up after the shutdown timeout and counts what was held as lost', async () => {
      const { processor, sink, exporter, logLines } = setup({ shutdownTimeoutMs: 300 });
      sink.offer(traceEvents(70));
      let done = false;
      void processor.shutdown().then(() => (done = true));
      expect(exporter.sizes).toEqual([50, 20]);
      await vi.advanceTimersByTimeAsync(299);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
      expect(processor.stats()).toMatchObject({ lost: 70, pending: 0, persisted: 0, failed: 0 });
      expect(logLines.filter((l) => l.includes('70 events not written'))).toHaveLength(1);
      expectCountersToAddUp(processor.stats());
    });

    it('recounts a batch that completes after shutdown gave up on it, and keeps a rejected one lost', async () => {
      const { processor, sink, exporter, logLines } = setup({ shutdownTimeoutMs: 300 });
      sink.offer(traceEvents(70));
      const shutdown = processor.shutdown();
      await vi.advanceTimersByTimeAsync(300);
      await shutdown;
      exporter.exports[0].resolve(written(49, { duplicates: 1 }));
      exporter.exports[1].reject(new Error('writer stopped'));
      await flushMicrotasks();
      expect(processor.stats()).toMatchObject({ lost: 20, persisted: 49, duplicates: 1, failed: 0, pending: 0 });
      expect(logLines.filter((l) => l.includes('could not be written'))).toHaveLength(0);
      expectCountersToAddUp(processor.stats());
    });

    it('answers waiting requests with shutting_down when it begins', async () => {
      const { processor, sink } = setup({ capacity: 100 });
      sink.offer(traceEvents(100));
      const waiting = sink.offerWithin(traceEvents(10), 5_000);
      void processor.shutdown();
      expect(await waiting).toEqual({ admitted: false, reason: 'shutting_down' });
    });
  });

  describe('lifecycle', () => {
    it('shuts down without start, returning the same promise on every call', async () => {
      const { processor } = setup();
      const first = processor.shutdown();
      expect(processor.shutdown()).toBe(first);
      await first;
      expect(processor.shutdown()).toBe(first);
    });

    it('stays closed when started after shutdown', async () => {
      const { processor, sink, exporter } = setup();
      await processor.shutdown();
      await processor.start();
      expect(sink.offer(traceEvents(50))).toEqual({ admitted: false, reason: 'shutting_down' });
      expect(exporter.exports).toHaveLength(0);
    });

    it('shows its limits and what is in flight or waiting in stats()', () => {
      const { processor, sink } = setup({ capacity: 100 });
      sink.offer(traceEvents(100));
      void sink.offerWithin(traceEvents(30), 5_000);
      expect(processor.stats()).toEqual({
        received: 100,
        enqueued: 100,
        refused: 0,
        persisted: 0,
        failed: 0,
        duplicates: 0,
        lost: 0,
        pending: 100,
        rows_written: { traces: 0, errors: 0 },
        capacity: 100,
        batches: 2,
        size_triggered: 2,
        timeout_triggered: 0,
        flushes_in_flight: 2,
        max_flushes_in_flight: 16,
        waited_requests: 1,
        waiting_requests: 1,
        waiting_events: 30,
        max_waiting_events: WAITING_QUEUES * 100,
      });
    });
  });

  describe('offerWithin (waiting for room)', () => {
    it('admits a request once enough room is written, instead of refusing it', async () => {
      const { processor, sink, exporter } = setup({ capacity: 100 });
      expect(sink.offer(traceEvents(100)).admitted).toBe(true);
      let result: unknown;
      const waiting = sink.offerWithin(traceEvents(60), 5_000);
      void waiting.then((r) => (result = r));
      exporter.exports[0].resolve();
      await flushMicrotasks();
      expect(result).toBeUndefined(); // 50 free, 60 needed
      exporter.exports[1].resolve();
      expect(await waiting).toEqual({ admitted: true });
      await settleEverything(processor, exporter);
      expect(exporter.delivered).toHaveLength(160);
      expect(processor.stats()).toMatchObject({ received: 160, enqueued: 160, refused: 0, persisted: 160 });
    });

    it('refuses after the wait, exactly at waitMs, and counts the request once', async () => {
      const { processor, sink } = setup({ capacity: 100 });
      sink.offer(traceEvents(100));
      let result: unknown;
      void sink.offerWithin(traceEvents(60), 300).then((r) => (result = r));
      await vi.advanceTimersByTimeAsync(299);
      expect(result).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(result).toEqual({ admitted: false, reason: 'queue_full' });
      expect(processor.stats()).toMatchObject({ received: 160, enqueued: 100, refused: 60 });
    });

    it(`lets at most ${WAITING_QUEUES} queues of events wait, admits waiters in arrival order, and keeps newcomers behind them`, async () => {
      const { processor, sink, exporter } = setup({ capacity: 100, maxRows: 100 });
      sink.offer(traceEvents(100));
      const first = sink.offerWithin(traceEvents(70), 5_000);
      const fillers = Array.from({ length: WAITING_QUEUES - 1 }, () => sink.offerWithin(traceEvents(100), 5_000));
      // 70 short of the bound are waiting: another 40 would exceed it and is refused at once.
      expect(await sink.offerWithin(traceEvents(40), 5_000)).toEqual({ admitted: false, reason: 'queue_full' });
      const second = sink.offerWithin(traceEvents(30), 5_000);
      expect(sink.offer(traceEvents(1))).toEqual({ admitted: false, reason: 'queue_full' });
      await settleEverything(processor, exporter);
      expect(await first).toEqual({ admitted: true });
      for (const filler of fillers) expect(await filler).toEqual({ admitted: true });
      expect(await second).toEqual({ admitted: true });
      // Waiters are queued in order, the head one in parts as room frees, so every batch is full.
      expect(exporter.sizes).toEqual(Array.from({ length: 9 }, () => 100));
      expect(processor.stats().timeout_triggered).toBe(0);
    });

    it('writes a partial batch at once when a request is waiting for room', async () => {
      const { processor, sink, exporter } = setup({ capacity: 100, maxRows: 40 });
      expect(sink.offer(traceEvents(100)).admitted).toBe(true);
      expect(exporter.sizes).toEqual([40, 40]);
      const started = performance.now();
      // The request fits only once the queue is empty, which needs the last 20 (a partial batch)
      // written: without a waiter they would sit until the 500 ms timer.
      const waiting = sink.offerWithin(traceEvents(100), 5_000);
      expect(exporter.sizes).toEqual([40, 40, 20]);
      exporter.resolveAll();
      expect(await waiting).toEqual({ admitted: true });
      expect(performance.now()).toBe(started);
      expect(processor.stats()).toMatchObject({ timeout_triggered: 0, waiting_requests: 0 });
    });
  });
});
