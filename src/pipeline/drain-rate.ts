/** Events written per second over the last `windowMs`, from the batches the writer finished. */
export class DrainRate {
  readonly #windowMs: number;
  readonly #done: { at: number; n: number }[] = [];
  #inWindow = 0;

  constructor(windowMs = 2_000) {
    this.#windowMs = windowMs;
  }

  record(n: number, now: number): void {
    this.#done.push({ at: now, n });
    this.#inWindow += n;
    this.#forget(now);
  }

  /** Events per second; 0 when nothing was written within the window. */
  perSecond(now: number): number {
    this.#forget(now);
    if (this.#done.length === 0) return 0;
    // What was written after the first batch of the window, over the time since it; at least a
    // quarter of the window, so a lone batch does not promise a torrent.
    const first = this.#done[0];
    const written = this.#done.length === 1 ? first.n : this.#inWindow - first.n;
    return (written * 1000) / Math.max(now - first.at, this.#windowMs / 4);
  }

  #forget(now: number): void {
    while (this.#done.length > 0 && this.#done[0].at < now - this.#windowMs) this.#inWindow -= this.#done.shift()!.n;
  }
}
