import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { BatchProcessor } from '../../src/pipeline/batch-processor.js';
import type { StorageState } from '../../src/pipeline/exporter.js';
import type { OfferResult } from '../../src/pipeline/sink.js';
import { traceEvents } from '../factories.js';
import { FakeExporter, flushMicrotasks } from './fake-exporter.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A fake exporter that can also say its storage refuses writes. */
class StatefulExporter extends FakeExporter {
  readonly #listeners: ((state: StorageState) => void)[] = [];
  onStorageState(listener: (state: StorageState) => void): void {
    this.#listeners.push(listener);
  }
  tell(state: StorageState): void {
    for (const listener of this.#listeners) listener(state);
  }
}

function setup(ack: 'queue' | 'commit') {
  const exporter = new StatefulExporter();
  const processor = new BatchProcessor(
    exporter,
    { capacity: 512, maxRows: 50, timeoutMs: 500, shutdownTimeoutMs: 1_000, ack },
    createLogger('silent'),
  );
  return { processor, sink: processor.admission, exporter };
}

function track(promise: Promise<OfferResult>) {
  const t: { result: OfferResult | undefined } = { result: undefined };
  void promise.then((r) => (t.result = r));
  return t;
}

describe('OCT_ACK=commit', () => {
  it('answers a request only once every batch holding its events is written, whatever order they settle in', async () => {
    const { sink, exporter } = setup('commit');
    const first = track(sink.offerWithin(traceEvents(30), 1_000));
    const second = track(sink.offerWithin(traceEvents(40), 1_000)); // events 31–70: batches 1 and 2
    await vi.advanceTimersByTimeAsync(500);
    expect(exporter.sizes).toEqual([50, 20]);
    exporter.exports[1].resolve();
    await flushMicrotasks();
    expect([first.result, second.result]).toEqual([undefined, undefined]);
    exporter.exports[0].resolve();
    await flushMicrotasks();
    expect([first.result, second.result]).toEqual([{ admitted: true }, { admitted: true }]);
  });

  it('answers a request queued in parts only once the batches of all its parts are written', async () => {
    const { sink, exporter } = setup('commit');
    const full = track(sink.offerWithin(traceEvents(512), 1_000));
    const next = track(sink.offerWithin(traceEvents(100), 1_000)); // waits: the queue holds 512
    await flushMicrotasks();
    expect(exporter.sizes).toHaveLength(11);
    for (const e of exporter.exports.slice(0, 10)) e.resolve(); // 500 written: 100 of `next` fit, in two batches
    await flushMicrotasks();
    expect(full.result).toBeUndefined();
    expect(exporter.sizes.slice(11)).toEqual([50, 50]);
    exporter.exports[10].resolve();
    await flushMicrotasks();
    expect(full.result).toEqual({ admitted: true });
    exporter.exports[11].resolve();
    await flushMicrotasks();
    expect(next.result).toBeUndefined();
    exporter.exports[12].resolve();
    await flushMicrotasks();
    expect(next.result).toEqual({ admitted: true });
  });

  it('refuses the requests of a batch that was not written, and only those', async () => {
    const { sink, exporter } = setup('commit');
    const first = track(sink.offerWithin(traceEvents(50), 1_000));
    const second = track(sink.offerWithin(traceEvents(10), 1_000));
    await vi.advanceTimersByTimeAsync(500);
    exporter.exports[0].resolve();
    exporter.exports[1].reject(new Error('the SQLite writer thread stopped'));
    await flushMicrotasks();
    expect(first.result).toEqual({ admitted: true });
    expect(second.result).toMatchObject({ admitted: false, reason: 'storage_unavailable' });
  });

  it('answers in queue mode as soon as the events are admitted', async () => {
    const { sink } = setup('queue');
    expect(await sink.offerWithin(traceEvents(10), 1_000)).toEqual({ admitted: true });
  });

  it('refuses shutdown-abandoned requests as shutting_down', async () => {
    const { sink, processor } = setup('commit');
    const waiting = track(sink.offerWithin(traceEvents(10), 1_000));
    const stopped = processor.shutdown();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    expect(waiting.result).toEqual({ admitted: false, reason: 'shutting_down' });
  });
});

describe('a storage that refuses writes', () => {
  it('refuses every request and waiter at once, keeps the batches held, and admits again when told', async () => {
    const { sink, exporter, processor } = setup('queue');
    sink.offer(traceEvents(512));
    const waiter = track(sink.offerWithin(traceEvents(5), 5_000));
    exporter.tell({ writable: false, reason: 'the disk is full', since: 1 });
    await flushMicrotasks();
    expect(waiter.result).toEqual({ admitted: false, reason: 'storage_unavailable', detail: 'the disk is full' });
    expect(sink.offer(traceEvents(1))).toEqual({ admitted: false, reason: 'storage_unavailable', detail: 'the disk is full' });
    expect(processor.stats().pending).toBe(512);
    exporter.tell({ writable: true });
    exporter.resolveAll();
    await flushMicrotasks();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.offer(traceEvents(1))).toEqual({ admitted: true });
  });
});
