/**
 * FIFO of events with the time each one arrived, so the batch processor can flush a batch a
 * fixed time after its first event. Capacity is enforced by the batch processor, which also
 * counts the events it has taken out but not yet written.
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #arrivedAt: number[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(items: readonly T[], now: number): void {
    for (const item of items) {
      this.#items.push(item);
      this.#arrivedAt.push(now);
    }
  }

  /** Arrival time of the oldest queued event, or undefined when empty. */
  oldestArrival(): number | undefined {
    return this.length > 0 ? this.#arrivedAt[this.#head] : undefined;
  }

  /** Removes and returns up to `max` events, oldest first. */
  take(max: number): T[] {
    const end = Math.min(this.#head + max, this.#items.length);
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    // Compact now and then instead of shifting on every take (shift is O(n)).
    if (this.#head >= 4096 || this.#head === this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#arrivedAt = this.#arrivedAt.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }
}
