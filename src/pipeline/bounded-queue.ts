/** FIFO of events and arrival times, holding at most `capacity`; taken events count until released, so batches being written do too. */
export class BoundedQueue<T> {
  readonly capacity: number;
  #items: T[] = [];
  #arrivedAt: number[] = [];
  #head = 0;
  #taken = 0;
  /** Events ever pushed: the sequence number of the last one. */
  #pushed = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get pushed(): number {
    return this.#pushed;
  }

  /** Events waiting plus those taken and not yet released. */
  get size(): number {
    return this.length + this.#taken;
  }

  /** Appends all of `items`, or none of them when they do not fit. */
  push(items: readonly T[], now: number): boolean {
    if (this.size + items.length > this.capacity) return false;
    for (const item of items) {
      this.#items.push(item);
      this.#arrivedAt.push(now);
    }
    this.#pushed += items.length;
    return true;
  }

  oldestArrival(): number | undefined {
    return this.length > 0 ? this.#arrivedAt[this.#head] : undefined;
  }

  /** Removes up to `max` events, oldest first; they count against capacity until `release`. */
  take(max: number): T[] {
    const end = Math.min(this.#head + max, this.#items.length);
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    this.#taken += batch.length;
    // Compact now and then instead of shifting on every take (shift is O(n)).
    if (this.#head >= 4096 || this.#head === this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#arrivedAt = this.#arrivedAt.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  release(count: number): void {
    this.#taken -= count;
  }

  /** Drops everything held, waiting or taken, and returns how many events that was. */
  clear(): number {
    const dropped = this.size;
    this.#items = [];
    this.#arrivedAt = [];
    this.#head = 0;
    this.#taken = 0;
    return dropped;
  }
}
