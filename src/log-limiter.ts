/** How often repeats of one kind are summarised. */
export const SUMMARY_INTERVAL_MS = 60_000;
/** Kinds followed at once; past it, new kinds share one, so a flood of distinct messages cannot grow memory. */
const MAX_KINDS = 100;
const OTHER = 'other reasons';

interface Kind {
  repeats: number;
  timer: NodeJS.Timeout;
  /** Writes the summary of `repeats`. */
  summarise: () => void;
}

/**
 * Keeps a repeated line from flooding the log: the first occurrence of a kind is written at once,
 * later ones are counted, and once per interval the count is written as one summary line (none
 * when nothing repeated; the kind is then forgotten, so its next occurrence is written again).
 */
export class LogLimiter {
  readonly #intervalMs: number;
  readonly #kinds = new Map<string, Kind>();

  constructor(intervalMs = SUMMARY_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
  }

  /**
   * One occurrence of `kind`: `first()` is written by `write` when the kind is new, else counted;
   * `summary(n, kind)` says what the `n` repeats since the last line were.
   */
  note(kind: string, write: (line: string) => void, first: () => string, summary: (n: number, kind: string) => string): void {
    const key = this.#kinds.has(kind) || this.#kinds.size < MAX_KINDS ? kind : OTHER;
    const seen = this.#kinds.get(key);
    if (seen) {
      seen.repeats++;
      return;
    }
    const entry: Kind = {
      repeats: key === OTHER ? 1 : 0,
      timer: setTimeout(() => this.#tick(key), this.#intervalMs).unref(),
      summarise: () => write(summary(entry.repeats, key)),
    };
    this.#kinds.set(key, entry);
    if (key !== OTHER) write(first());
  }

  /** Writes the summaries still owed (at shutdown), so no repeat goes unmentioned. */
  flush(): void {
    for (const entry of this.#kinds.values()) {
      clearTimeout(entry.timer);
      if (entry.repeats > 0) entry.summarise();
    }
    this.#kinds.clear();
  }

  #tick(key: string): void {
    const entry = this.#kinds.get(key)!;
    if (entry.repeats === 0) return void this.#kinds.delete(key);
    entry.summarise();
    entry.repeats = 0;
    entry.timer = setTimeout(() => this.#tick(key), this.#intervalMs).unref();
  }
}
