import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/pipeline/bounded-queue.js';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('bounded queue', () => {
  it('holds at most its capacity, taking all of a push or none of it', () => {
    const queue = new BoundedQueue<number>(100);
    expect(queue.push(range(0, 60), 0)).toBe(true);
    expect(queue.push(range(60, 41), 0)).toBe(false);
    expect(queue.length).toBe(60);
    expect(queue.push(range(60, 40), 0)).toBe(true);
    expect(queue.push([], 0)).toBe(true);
    expect(queue.push([100], 0)).toBe(false);
    expect(queue.size).toBe(100);
  });

  it('counts taken events against its capacity until they are released', () => {
    const queue = new BoundedQueue<number>(100);
    queue.push(range(0, 100), 0);
    expect(queue.take(50)).toEqual(range(0, 50));
    expect(queue).toMatchObject({ length: 50, size: 100 });
    expect(queue.push([100], 0)).toBe(false);
    queue.release(50);
    expect(queue).toMatchObject({ length: 50, size: 50 });
    expect(queue.push(range(100, 50), 0)).toBe(true);
  });

  it('returns events oldest first, also across compactions', () => {
    const queue = new BoundedQueue<number>(10_000);
    for (let i = 0; i < 200; i++) queue.push(range(i * 50, 50), i);
    const taken: number[] = [];
    while (queue.length > 0) {
      // Event v arrived at time ⌊v / 50⌋.
      expect(queue.oldestArrival()).toBe(Math.floor(taken.length / 50));
      taken.push(...queue.take(taken.length % 3 === 0 ? 120 : 70));
    }
    expect(taken).toEqual(range(0, 10_000));
    expect(queue.size).toBe(10_000);
  });

  it('reports when the oldest waiting event arrived', () => {
    const queue = new BoundedQueue<number>(10);
    expect(queue.oldestArrival()).toBeUndefined();
    queue.push([1, 2], 5);
    queue.push([3], 9);
    expect(queue.oldestArrival()).toBe(5);
    queue.take(2);
    expect(queue.oldestArrival()).toBe(9);
    queue.take(1);
    expect(queue.oldestArrival()).toBeUndefined();
  });

  it('clears waiting and taken events at once and says how many it dropped', () => {
    const queue = new BoundedQueue<number>(10);
    queue.push(range(0, 8), 0);
    queue.take(5);
    expect(queue.clear()).toBe(8);
    expect(queue).toMatchObject({ length: 0, size: 0 });
    expect(queue.push(range(0, 10), 0)).toBe(true);
  });
});
