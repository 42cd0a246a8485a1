import { describe, expect, it } from 'vitest';
import { count, lockDatabase, waitFor } from '../helpers.js';
import { traceEvent, traceEvents } from '../factories.js';
import { startPipeline } from './pipeline-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('batch processor', () => {
  it('flushes 120 events as batches of 50, 50 and 20', async () => {
    const { processor, exporter, reader } = await startPipeline();
    for (const event of traceEvents(120)) expect(processor.offer([event])).toEqual({ admitted: true });
    await waitFor(() => count(reader, 'traces') === 120, 3_000, '120 rows');
    expect(exporter.batches.map((b) => b.size)).toEqual([50, 50, 20]);
    const stats = processor.stats();
    expect(stats).toMatchObject({ size_triggered: 2, timeout_triggered: 1, persisted: 120, pending: 0 });
  });

  it('writes a lone event after the batch timeout, not at once, and within 600 ms', async () => {
    const { processor, exporter, reader } = await startPipeline();
    const offeredAt = performance.now();
    processor.offer([traceEvent()]);
    await sleep(250);
    expect(exporter.batches).toHaveLength(0);
    await waitFor(() => count(reader, 'traces') === 1, 2_000, 'the row');
    const visibleAfter = performance.now() - offeredAt;
    expect(exporter.batches).toEqual([{ size: 1, at: expect.any(Number) }]);
    expect(exporter.batches[0].at - offeredAt).toBeGreaterThanOrEqual(495);
    expect(visibleAfter).toBeLessThan(600 + 150); // tolerance for a loaded CI machine
  });

  it('drains a backlog of 5,000 in full batches back to back, without waiting for the timer', async () => {
    const { processor, exporter, reader } = await startPipeline({ capacity: 5_000 });
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(processor.offer(traceEvents(50)).admitted).toBe(true);
    await waitFor(() => processor.stats().pending === 0, 20_000, 'the backlog to drain');
    const elapsed = performance.now() - started;
    expect(count(reader, 'traces')).toBe(5_000);
    expect(exporter.batches.every((b) => b.size === 50)).toBe(true);
    expect(exporter.batches).toHaveLength(100);
    expect(processor.stats().timeout_triggered).toBe(0);
    // 100 batches with a 500 ms pause each would take 50 s.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('admits exactly 512 of 10,000 events while the writer is paused, and stores exactly those', async () => {
    const { processor, reader, dbPath } = await startPipeline();
    const lock = lockDatabase(dbPath);
    let admitted = 0;
    const offers = traceEvents(10_000);
    for (const event of offers) if (processor.offer([event]).admitted) admitted++;
    expect(admitted).toBe(512);
    expect(processor.stats()).toMatchObject({ received: 10_000, enqueued: 512, refused: 9_488, pending: 512 });
    lock.release();
    await waitFor(() => processor.stats().pending === 0, 5_000, 'the queue to drain');
    expect(count(reader, 'traces')).toBe(512);
    const stored = new Set((reader.prepare('SELECT input_text FROM traces').all() as { input_text: string }[]).map((r) => r.input_text));
    expect(stored).toEqual(new Set(offers.slice(0, 512).map((e) => (e.row as { input_text: string }).input_text)));
  });

  it('refuses a request larger than the queue as too large, and all-or-nothing when it does not fit', async () => {
    const { processor, dbPath } = await startPipeline({ capacity: 100 });
    const lock = lockDatabase(dbPath);
    expect(processor.offer(traceEvents(101))).toEqual({ admitted: false, reason: 'too_large' });
    expect(processor.offer(traceEvents(60)).admitted).toBe(true);
    expect(processor.offer(traceEvents(41))).toEqual({ admitted: false, reason: 'queue_full' });
    expect(processor.offer(traceEvents(40)).admitted).toBe(true);
    expect(processor.stats()).toMatchObject({ enqueued: 100, refused: 142, pending: 100 });
    lock.release();
  });

  it('stores every admitted event of a 50,000-event burst and the counters add up', async () => {
    const { processor, reader } = await startPipeline();
    for (let i = 0; i < 50_000; i++) {
      processor.offer([traceEvent()]);
      if (i % 200 === 0) await new Promise((r) => setImmediate(r)); // let the writer run, as HTTP would
    }
    await waitFor(() => processor.stats().pending === 0, 20_000, 'the burst to drain');
    const s = processor.stats();
    expect(s.received).toBe(50_000);
    expect(s.received).toBe(s.enqueued + s.refused);
    expect(s.enqueued).toBe(s.persisted + s.failed + s.duplicates);
    expect(s.failed).toBe(0);
    expect(count(reader, 'traces')).toBe(s.persisted);
    expect(s.persisted).toBeGreaterThan(512);
  });

  it('keeps 49 rows of a batch when the database refuses one, and counts it failed', async () => {
    const { processor, reader, logLines } = await startPipeline();
    const batch = traceEvents(50);
    batch[17] = traceEvent({ status: 'bogus' as 'ok' });
    processor.offer(batch);
    await waitFor(() => processor.stats().pending === 0, 3_000, 'the batch');
    expect(count(reader, 'traces')).toBe(49);
    expect(processor.stats()).toMatchObject({ persisted: 49, failed: 1 });
    expect(logLines.filter((l) => l.includes('refused by the database'))).toHaveLength(1);
  });

  it('stores a span re-sent with the same OTel ids once and counts the copy as a duplicate', async () => {
    const { processor, reader } = await startPipeline();
    const ids = { source: 'otlp' as const, otel_trace_id: 'a'.repeat(32), otel_span_id: 'b'.repeat(16) };
    processor.offer([traceEvent(ids)]);
    processor.offer([traceEvent(ids)]);
    await waitFor(() => processor.stats().pending === 0, 3_000, 'the batch');
    expect(count(reader, 'traces')).toBe(1);
    expect(processor.stats()).toMatchObject({ persisted: 1, duplicates: 1, failed: 0 });
  });

  it('drains everything on shutdown and refuses new events after it', async () => {
    const { processor, reader } = await startPipeline();
    for (let i = 0; i < 7; i++) processor.offer(traceEvents(30));
    await processor.shutdown();
    expect(count(reader, 'traces')).toBe(210);
    expect(processor.offer([traceEvent()])).toEqual({ admitted: false, reason: 'shutting_down' });
  });

  it('gives up draining after the shutdown timeout and counts what was lost', async () => {
    const { processor, exporter, dbPath, logLines } = await startPipeline({ shutdownTimeoutMs: 300 });
    lockDatabase(dbPath);
    processor.offer(traceEvents(70));
    await processor.shutdown();
    expect(processor.stats()).toMatchObject({ lost: 70, pending: 0 });
    expect(logLines.some((l) => l.includes('70 events not written'))).toBe(true);
    // The exporter abandons its retry when it shuts down; the batch stays counted once, as lost.
    await exporter.shutdown();
    await new Promise((r) => setTimeout(r, 20));
    expect(processor.stats()).toMatchObject({ lost: 70, failed: 0, persisted: 0 });
  });

  it('shuts down idempotently, also without start', async () => {
    const { processor } = await startPipeline();
    expect(processor.shutdown()).toBe(processor.shutdown());
    await processor.shutdown();
  });

  describe('offerWithin (waiting for room)', () => {
    it('admits a request once room is freed, instead of refusing it', async () => {
      const { processor, reader, dbPath } = await startPipeline({ capacity: 100 });
      const lock = lockDatabase(dbPath);
      expect(processor.offer(traceEvents(100)).admitted).toBe(true);
      const waiting = processor.offerWithin(traceEvents(60), 5_000);
      setTimeout(() => lock.release(), 200);
      expect(await waiting).toEqual({ admitted: true });
      await waitFor(() => count(reader, 'traces') === 160, 3_000, '160 rows');
      expect(processor.stats()).toMatchObject({ received: 160, enqueued: 160, refused: 0 });
    });

    it('refuses after the wait and counts the request once', async () => {
      const { processor, dbPath } = await startPipeline({ capacity: 100 });
      const lock = lockDatabase(dbPath);
      processor.offer(traceEvents(100));
      const started = performance.now();
      expect(await processor.offerWithin(traceEvents(60), 300)).toEqual({ admitted: false, reason: 'queue_full' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(295);
      expect(processor.stats()).toMatchObject({ received: 160, enqueued: 100, refused: 60 });
      lock.release();
    });

    it('lets at most four queues of events wait, admits waiters in arrival order, and keeps newcomers behind them', async () => {
      const { processor, exporter, dbPath } = await startPipeline({ capacity: 100, maxRows: 100 });
      const lock = lockDatabase(dbPath);
      processor.offer(traceEvents(100));
      const first = processor.offerWithin(traceEvents(70), 5_000);
      const fillers = [
        processor.offerWithin(traceEvents(100), 5_000),
        processor.offerWithin(traceEvents(100), 5_000),
        processor.offerWithin(traceEvents(100), 5_000),
      ];
      // 370 are waiting: another 40 would exceed the bound of 400 and is refused at once.
      expect(await processor.offerWithin(traceEvents(40), 5_000)).toEqual({ admitted: false, reason: 'queue_full' });
      const second = processor.offerWithin(traceEvents(30), 5_000);
      expect(processor.offer(traceEvents(1))).toEqual({ admitted: false, reason: 'queue_full' });
      lock.release();
      expect(await first).toEqual({ admitted: true });
      for (const filler of fillers) expect(await filler).toEqual({ admitted: true });
      expect(await second).toEqual({ admitted: true });
      await waitFor(() => processor.stats().pending === 0, 3_000, 'the queue to drain');
      // Waiters are admitted in order; partial batches are written at once while others wait.
      expect(exporter.batches.map((b) => b.size)).toEqual([100, 70, 100, 100, 100, 30]);
    });

    it('writes a partial batch at once when a request is waiting for room', async () => {
      const { processor, exporter } = await startPipeline({ capacity: 100, maxRows: 40 });
      expect(processor.offer(traceEvents(100)).admitted).toBe(true);
      const started = performance.now();
      // The second request fits only once the queue is empty, which needs the last 20 (a partial
      // batch) written: without a waiter they would sit until the 500 ms timer.
      expect(await processor.offerWithin(traceEvents(100), 5_000)).toEqual({ admitted: true });
      expect(performance.now() - started).toBeLessThan(400);
      await waitFor(() => processor.stats().pending === 0, 3_000, 'the queue to drain');
      expect(exporter.batches.slice(0, 3).map((b) => b.size)).toEqual([40, 40, 20]);
    });

    it('answers waiting requests with shutting_down when shutdown begins', async () => {
      const { processor, dbPath } = await startPipeline({ capacity: 100, shutdownTimeoutMs: 200 });
      lockDatabase(dbPath);
      processor.offer(traceEvents(100));
      const waiting = processor.offerWithin(traceEvents(10), 5_000);
      void processor.shutdown();
      expect(await waiting).toEqual({ admitted: false, reason: 'shutting_down' });
    });
  });
});
