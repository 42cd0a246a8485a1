import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PipelineEvent } from '../../src/model/events.js';
import { Admission, WAITING_QUEUES } from '../../src/pipeline/admission.js';
import { BoundedQueue } from '../../src/pipeline/bounded-queue.js';
import type { OfferResult } from '../../src/pipeline/sink.js';
import { traceEvents } from '../factories.js';
import { flushMicrotasks } from './fake-exporter.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Admission over a real queue; the test plays the batcher by taking and releasing events. */
function setup(capacity = 100) {
  const queue = new BoundedQueue<PipelineEvent>(capacity);
  const onChange = vi.fn();
  const admission = new Admission(queue, onChange);
  const free = (n: number) => {
    queue.release(queue.take(n).length);
    admission.admitWaiting();
  };
  return { queue, admission, onChange, free };
}

/** Records a pending offer's result once it settles. */
function track(offer: Promise<OfferResult>) {
  const tracked: { result?: OfferResult } = {};
  void offer.then((result) => (tracked.result = result));
  return tracked;
}

const QUEUE_FULL = { admitted: false, reason: 'queue_full' };

describe('admission', () => {
  it('admits all of a request or none of it, and refuses one larger than the queue as too large', () => {
    const { admission, queue } = setup();
    expect(admission.capacity).toBe(100);
    expect(admission.offer(traceEvents(101))).toEqual({ admitted: false, reason: 'too_large' });
    expect(admission.offer(traceEvents(60))).toEqual({ admitted: true });
    expect(admission.offer(traceEvents(41))).toEqual(QUEUE_FULL);
    expect(admission.offer(traceEvents(40))).toEqual({ admitted: true });
    expect(queue.size).toBe(100);
    expect(admission.stats()).toMatchObject({ received: 242, enqueued: 100, refused: 142 });
  });

  it('refuses too large and full requests at once when there is nothing to wait for', async () => {
    const { admission } = setup();
    expect(await admission.offerWithin(traceEvents(101), 5_000)).toEqual({ admitted: false, reason: 'too_large' });
    admission.offer(traceEvents(100));
    expect(await admission.offerWithin(traceEvents(1), 0)).toEqual(QUEUE_FULL);
    expect(admission.stats()).toMatchObject({ received: 202, enqueued: 100, refused: 102, waiting_requests: 0 });
  });

  it('tells the batcher when events are queued and when a request starts waiting', () => {
    const { admission, onChange } = setup();
    admission.offer(traceEvents(100));
    expect(onChange).toHaveBeenCalledTimes(1);
    admission.offer(traceEvents(1));
    expect(onChange).toHaveBeenCalledTimes(1);
    void admission.offerWithin(traceEvents(10), 5_000);
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('admits a waiting request once room is freed, and counts it once', async () => {
    const { admission, free } = setup();
    admission.offer(traceEvents(100));
    const waiting = track(admission.offerWithin(traceEvents(60), 5_000));
    free(59);
    await flushMicrotasks();
    expect(waiting.result).toBeUndefined();
    free(1);
    await flushMicrotasks();
    expect(waiting.result).toEqual({ admitted: true });
    expect(admission.stats()).toMatchObject({ received: 160, enqueued: 160, refused: 0, waiting_requests: 0, waiting_events: 0 });
  });

  it('refuses a waiting request as queue_full when waitMs runs out, and counts it once', async () => {
    const { admission } = setup();
    admission.offer(traceEvents(100));
    const waiting = track(admission.offerWithin(traceEvents(60), 300));
    await vi.advanceTimersByTimeAsync(299);
    expect(waiting.result).toBeUndefined();
    expect(admission.stats()).toMatchObject({ received: 100, waiting_requests: 1, waiting_events: 60 });
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.result).toEqual(QUEUE_FULL);
    expect(admission.stats()).toMatchObject({ received: 160, enqueued: 100, refused: 60, waiting_requests: 0, waiting_events: 0 });
  });

  it('admits waiting requests in arrival order, and later arrivals never overtake them', async () => {
    const { admission, free } = setup();
    admission.offer(traceEvents(100));
    const order: string[] = [];
    const big = admission.offerWithin(traceEvents(70), 5_000).then((r) => (order.push('big'), r));
    const small = admission.offerWithin(traceEvents(10), 5_000).then((r) => (order.push('small'), r));
    free(30);
    // 30 free: the small request would fit, but not ahead of the big one; nor would a newcomer.
    expect(admission.offer(traceEvents(1))).toEqual(QUEUE_FULL);
    await flushMicrotasks();
    expect(order).toEqual([]);
    free(50);
    expect(await big).toEqual({ admitted: true });
    expect(await small).toEqual({ admitted: true });
    expect(order).toEqual(['big', 'small']);
  });

  it(`lets at most ${WAITING_QUEUES} queues of events wait, and refuses the next request at once`, async () => {
    const { admission, free } = setup();
    admission.offer(traceEvents(100));
    const max = WAITING_QUEUES * 100;
    const waiting = [70, ...Array.from({ length: WAITING_QUEUES - 1 }, () => 100)].map((n) => admission.offerWithin(traceEvents(n), 5_000));
    expect(admission.stats()).toMatchObject({ waiting_requests: WAITING_QUEUES, waiting_events: max - 30, max_waiting_events: max });
    expect(await admission.offerWithin(traceEvents(40), 5_000)).toEqual(QUEUE_FULL);
    const last = admission.offerWithin(traceEvents(30), 5_000);
    expect(admission.stats()).toMatchObject({ waiting_requests: WAITING_QUEUES + 1, waiting_events: max });
    for (let i = 0; i <= WAITING_QUEUES; i++) free(100);
    for (const offer of [...waiting, last]) expect(await offer).toEqual({ admitted: true });
    expect(admission.stats()).toMatchObject({ received: 100 + max + 40, enqueued: 100 + max, refused: 40, waiting_events: 0 });
  });

  it('gives a timed-out request its share of the waiting bound back', async () => {
    const { admission } = setup();
    admission.offer(traceEvents(100));
    const first = admission.offerWithin(traceEvents(100), 100);
    for (let i = 1; i < WAITING_QUEUES; i++) void admission.offerWithin(traceEvents(100), 5_000);
    expect(await admission.offerWithin(traceEvents(1), 5_000)).toEqual(QUEUE_FULL);
    await vi.advanceTimersByTimeAsync(100);
    expect(await first).toEqual(QUEUE_FULL);
    void admission.offerWithin(traceEvents(100), 5_000);
    expect(admission.stats()).toMatchObject({ waiting_requests: WAITING_QUEUES, waiting_events: WAITING_QUEUES * 100 });
  });

  it('queues the request at the head of the line in parts as room frees, and answers it once its last part is queued', async () => {
    const { admission, queue, free } = setup();
    admission.offer(traceEvents(100));
    const head = admission.offerWithin(traceEvents(80), 300);
    const waiting = track(head);
    free(50);
    // The writer gets the first 50 of the 80 at once instead of idling until all 80 fit.
    expect(queue.size).toBe(100);
    expect(admission.stats()).toMatchObject({ waiting_requests: 1, waiting_events: 30 });
    // Once a part is queued the wait no longer runs out: the rest follows as batches are written.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waiting.result).toBeUndefined();
    free(50);
    expect(await head).toEqual({ admitted: true });
    expect(queue.size).toBe(80);
    const events = queue.take(80);
    expect(new Set(events.map((e) => e.row.trace_id)).size).toBe(80);
    expect(admission.stats()).toMatchObject({ received: 180, enqueued: 180, refused: 0, waiting_requests: 0, waiting_events: 0 });
  });

  it('refuses a partly queued request when the storage stops taking writes, and counts only the rest as refused', async () => {
    const { admission, free } = setup();
    admission.offer(traceEvents(100));
    const head = admission.offerWithin(traceEvents(80), 5_000);
    free(30);
    admission.suspend('the disk is full');
    expect(await head).toMatchObject({ admitted: false, reason: 'storage_unavailable' });
    expect(admission.stats()).toMatchObject({ received: 180, enqueued: 130, refused: 50, waiting_events: 0 });
  });

  it('answers waiting requests and every later offer with shutting_down once closed', async () => {
    const { admission } = setup();
    admission.offer(traceEvents(100));
    const waiting = admission.offerWithin(traceEvents(10), 5_000);
    admission.close();
    expect(await waiting).toEqual({ admitted: false, reason: 'shutting_down' });
    expect(admission.offer(traceEvents(1))).toEqual({ admitted: false, reason: 'shutting_down' });
    expect(await admission.offerWithin(traceEvents(1), 5_000)).toEqual({ admitted: false, reason: 'shutting_down' });
    // Shutting down comes before the size check, as for any request after close.
    expect(admission.offer(traceEvents(101))).toEqual({ admitted: false, reason: 'shutting_down' });
    expect(admission.stats()).toMatchObject({ received: 213, enqueued: 100, refused: 113, waiting_requests: 0, waiting_events: 0 });
  });
});

describe('the write backlog', () => {
  /** Admission with `queued` events held and `rate` events a second written over the last second. */
  function backlogged(queued: number, rate: number) {
    const s = setup(1_000);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(100);
      s.admission.written(rate / 10);
    }
    expect(s.admission.offer(traceEvents(queued))).toEqual({ admitted: true });
    return s;
  }

  it('tells refused requests to come back when the backlog is written, each after the one before', () => {
    const { admission } = backlogged(1_000, 500);
    // 1,000 queued at 500 a second: 2 s; each 250-event request then takes half a second more.
    expect(admission.retryAfterMs(250)).toBeCloseTo(2_000, -1);
    expect(admission.retryAfterMs(250)).toBeCloseTo(2_500, -1);
    expect(admission.retryAfterMs(250)).toBeCloseTo(3_000, -1);
    // A second later, still writing 500 a second: the next turn is still 3.5 s after the first call.
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(100);
      admission.written(50);
    }
    expect(admission.retryAfterMs(250)).toBeCloseTo(2_500, -1);
  });

  it('foresees the refusal of a request that would wait behind more than can be written in time', () => {
    const { admission } = backlogged(1_000, 500);
    expect(admission.foreseenRefusal(1_000)).toBeUndefined(); // nobody waits: it may fit at once
    void admission.offerWithin(traceEvents(400), 5_000);
    // 400 waiting for a full queue of 1,000: 400 must be written first, 0.8 s at 500 a second.
    expect(admission.foreseenRefusal(1_000)).toBeUndefined();
    expect(admission.foreseenRefusal(500)).toEqual(QUEUE_FULL);
    // Nothing written within the rate's window: no rate to go by, so nothing is foreseen.
    vi.advanceTimersByTime(3_000);
    expect(admission.foreseenRefusal(500)).toBeUndefined();
    expect(admission.retryAfterMs(250)).toBe(0);
    // A full waiting room refuses whatever the rate.
    for (let i = 0; i < WAITING_QUEUES - 1; i++) void admission.offerWithin(traceEvents(1_000), 5_000);
    void admission.offerWithin(traceEvents(600), 5_000);
    expect(admission.foreseenRefusal(60_000)).toEqual(QUEUE_FULL);
    admission.close();
    expect(admission.foreseenRefusal(1_000)).toEqual({ admitted: false, reason: 'shutting_down' });
  });
});
