const MB = 1024 * 1024;
const BAR_WIDTH = 20;
const REDRAW_MS = 200;

export interface ProgressState {
  file: number;
  files: number;
  bytesRead: number;
  totalBytes: number;
  count: number;
  unit: string;
}

/** The import's progress bar, redrawn in place on a terminal (at most five times a second); nothing elsewhere. */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #started = performance.now();
  #drawnAt = -Infinity;
  #shown = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  update(state: ProgressState, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#shown = true;
    const seconds = Math.max((now - this.#started) / 1000, 1e-3);
    const share = state.totalBytes > 0 ? Math.min(1, state.bytesRead / state.totalBytes) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.round(share * 100)}%`;
    const mb = `${(state.bytesRead / MB).toFixed(1)}/${(state.totalBytes / MB).toFixed(1)} MB`;
    const rate = `${Math.round(state.count / seconds).toLocaleString('en-US')} ${state.unit}/s`;
    this.#stream.write(
      `\r\x1b[K${bar} file ${state.file}/${state.files} · ${state.count.toLocaleString('en-US')} ${state.unit} · ${mb} · ${rate}`,
    );
  }

  /** Takes the bar off the line, so a message can be written there; the next update redraws it. */
  erase(): void {
    if (!this.#shown) return;
    this.#shown = false;
    this.#drawnAt = -Infinity;
    this.#stream.write('\r\x1b[K');
  }

  /** Leaves the last bar on its line. */
  end(): void {
    if (this.#shown) this.#stream.write('\n');
    this.#shown = false;
  }
}
