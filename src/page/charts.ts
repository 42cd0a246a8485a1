/** Time charts drawn with uPlot (served by oct itself, loaded as a global script before the page's modules run). */

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export interface SeriesSpec {
  label: string;
  color: string;
  bars?: boolean;
  /** Percentiles: a bucket without calls has none, so it is a gap and each bucket a point. */
  sparse?: boolean;
  format(value: number | null): string;
}

/** A small chart in `parent` whose data can be replaced; it follows the parent's width. */
export class TimeChart {
  readonly #plot: uPlot;
  readonly #resize: ResizeObserver;

  constructor(parent: HTMLElement, title: string, series: SeriesSpec[], data: uPlot.AlignedData) {
    const text = css('--text');
    const grid = css('--grid');
    const axis = (format?: (v: number) => string): uPlot.Axis => ({
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      ...(format ? { values: (_u: uPlot, splits: number[]) => splits.map(format), size: 72 } : {}),
    });
    this.#plot = new uPlot(
      {
        title,
        width: Math.max(parent.clientWidth, 200),
        height: 170,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis(), axis((v) => series[0].format(v))],
        series: [
          {},
          ...series.map((s): uPlot.Series => ({
            label: s.label,
            stroke: css(s.color),
            fill: s.bars ? css(s.color) : undefined,
            width: s.bars ? 0 : 2,
            paths: s.bars ? uPlot.paths.bars!({ size: [0.7, 40] }) : undefined,
            points: { show: s.sparse === true, size: 5, fill: css(s.color) },
            spanGaps: s.sparse === true,
            value: (_u, v) => s.format(v),
          })),
        ],
      },
      data,
      parent,
    );
    this.#resize = new ResizeObserver(() => this.#plot.setSize({ width: Math.max(parent.clientWidth, 200), height: 170 }));
    this.#resize.observe(parent);
  }

  setData(data: uPlot.AlignedData): void {
    this.#plot.setData(data);
  }

  destroy(): void {
    this.#resize.disconnect();
    this.#plot.destroy();
  }
}
