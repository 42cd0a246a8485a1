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
    // At least a quarter of the window, so one early batch does not promise a torrent.
    const span = Math.max(now - this.#done[0].at, this.#windowMs / 4);
    return (this.#inWindow * 1000) / span;
  }

  #forget(now: number): void {
    while (this.#done.length > 0 && this.#done[0].at < now - this.#windowMs) this.#inWindow -= this.#done.shift()!.n;
  }
}
