import { read, type Stats, type StatsRow } from './api.js';
import { TimeChart, type SeriesSpec } from './charts.js';
import { h, link } from './dom.js';
import { count, dash, ms, short, usd } from './format.js';
import type { View } from './view.js';

const WINDOWS = {
  '24h': { label: '24 hours', ms: 86_400_000, bucket: 'hour' },
  '7d': { label: '7 days', ms: 7 * 86_400_000, bucket: 'hour' },
  '30d': { label: '30 days', ms: 30 * 86_400_000, bucket: 'day' },
} as const;
type WindowName = keyof typeof WINDOWS;
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 };

const number = (v: number | null) => short(v);

interface ChartSpec {
  title: string;
  series: (SeriesSpec & { value(row: StatsRow): number | null })[];
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Calls and errors',
    series: [
      { label: 'calls', color: '--accent', bars: true, format: number, value: (r) => r.calls },
      { label: 'errors', color: '--error', bars: true, format: number, value: (r) => r.errors },
    ],
  },
  {
    title: 'Tokens',
    series: [
      { label: 'input', color: '--accent', format: number, value: (r) => r.input_tokens },
      { label: 'output', color: '--second', format: number, value: (r) => r.output_tokens },
    ],
  },
  { title: 'Cost (USD)', series: [{ label: 'cost', color: '--accent', format: (v) => usd(v), value: (r) => r.cost_usd }] },
  {
    title: 'Latency',
    series: [
      { label: 'p95', color: '--error', sparse: true, format: (v) => ms(v), value: (r) => r.p95_ms },
      { label: 'p50', color: '--accent', sparse: true, format: (v) => ms(v), value: (r) => r.p50_ms },
    ],
  },
];

/** A window's totals for one group (`bucket=all`: one row per group, percentiles over the whole window). */
interface Totals {
  group: string | null;
  calls: number;
  errors: number;
  input: number;
  output: number;
  cost: number | null;
  p95: number | null;
}

function totals(rows: StatsRow[]): Totals[] {
  return rows
    .map((r) => ({
      group: r.group,
      calls: r.calls,
      errors: r.errors,
      input: r.input_tokens ?? 0,
      output: r.output_tokens ?? 0,
      cost: r.cost_usd,
      p95: r.p95_ms,
    }))
    .sort((a, b) => b.calls - a.calls);
}

/** One x value per bucket of the window (uPlot counts seconds); a bucket without calls sums to zero and has no percentiles. */
function aligned(stats: Stats, step: number, spec: ChartSpec): uPlot.AlignedData {
  const byBucket = new Map(stats.rows.map((r) => [r.bucket_start, r]));
  const xs: number[] = [];
  for (let b = Math.floor(stats.since / step) * step; b < stats.until; b += step) xs.push(b);
  return [
    xs.map((b) => b / 1000),
    ...spec.series.map((s) =>
      xs.map((b) => {
        const row = byBucket.get(b);
        const value = row === undefined ? null : s.value(row);
        return value === null && s.sparse !== true ? 0 : value;
      }),
    ),
  ];
}

export function overviewView(main: HTMLElement, params: URLSearchParams): View {
  const asked = params.get('window') ?? '';
  const name: WindowName = asked in WINDOWS ? (asked as WindowName) : '24h';
  const window = WINDOWS[name];
  const picker = h(
    'nav',
    { class: 'windows', 'aria-label': 'Time window' },
    ...Object.entries(WINDOWS).map(([key, w]) => link(`#/?window=${key}`, w.label, { 'aria-current': key === name ? 'page' : undefined })),
  );
  const tiles = h('div', { class: 'tiles' });
  const chartBoxes = CHARTS.map(() => h('div', { class: 'chart' }));
  const groups = h('div', { class: 'groups' });
  main.replaceChildren(
    h('div', { class: 'title-row' }, h('h1', {}, 'Overview'), picker),
    tiles,
    h('div', { class: 'charts' }, ...chartBoxes),
    groups,
    h(
      'p',
      { class: 'hint' },
      `Model calls only (agent and workflow spans are not counted twice); ${window.bucket === 'hour' ? 'hourly' : 'daily'} UTC buckets.`,
    ),
  );
  let charts: TimeChart[] = [];
  let shown = '';
  return {
    async refresh() {
      const query = { since: String(Date.now() - window.ms), bucket: window.bucket };
      const whole = { ...query, bucket: 'all' };
      const [series, all, byModel, byService] = await Promise.all([
        read<Stats>('/api/v1/stats', query),
        ...[undefined, 'model', 'service'].map((group) => read<Stats>('/api/v1/stats', { ...whole, group })),
      ]);
      const json = JSON.stringify([series.rows, all.rows, byModel.rows, byService.rows]);
      const data = CHARTS.map((spec) => aligned(series, BUCKET_MS[window.bucket], spec));
      if (charts.length === 0) charts = CHARTS.map((spec, i) => new TimeChart(chartBoxes[i], spec.title, spec.series, data[i]));
      else charts.forEach((chart, i) => chart.setData(data[i]));
      if (json === shown) return;
      shown = json;
      const [sum] = totals(all.rows);
      tiles.replaceChildren(...tileList(sum));
      groups.replaceChildren(
        groupTable('By model (as asked for)', totals(byModel.rows), 'model'),
        groupTable('By service', totals(byService.rows), 'service'),
      );
    },
    dispose() {
      charts.forEach((c) => c.destroy());
    },
  };
}

function tileList(sum: Totals | undefined): HTMLElement[] {
  const tile = (label: string, value: string, note?: string) =>
    h(
      'div',
      { class: 'tile' },
      h('span', { class: 'tile-label' }, label),
      h('span', { class: 'tile-value' }, value),
      note ? h('span', { class: 'hint' }, note) : null,
    );
  if (sum === undefined) return [tile('Calls', '0', 'nothing in this window yet')];
  return [
    tile('Calls', count(sum.calls)),
    tile('Errors', count(sum.errors), sum.calls > 0 ? `${((sum.errors / sum.calls) * 100).toFixed(1)}% of calls` : undefined),
    tile('Tokens', short(sum.input + sum.output), `${short(sum.input)} in · ${short(sum.output)} out`),
    tile('Cost', usd(sum.cost), sum.cost === null ? 'no call reported a cost' : undefined),
    tile('p95 latency', ms(sum.p95), 'over the window'),
  ];
}

/** Each group links to the calls it counts: the list's `model` filter is the model asked for, as here. */
function groupTable(title: string, rows: Totals[], filter: 'model' | 'service'): HTMLElement {
  const head = ['', 'Calls', 'Errors', 'Tokens in', 'Tokens out', 'Cost', 'p95'];
  const name = (g: string | null) => (g === null ? dash : link(`#/calls?${filter}=${encodeURIComponent(g)}`, g));
  return h(
    'section',
    { class: 'group' },
    h('h2', {}, title),
    rows.length === 0
      ? h('p', { class: 'empty' }, 'No calls in this window.')
      : h(
          'table',
          { class: 'rows' },
          h('thead', {}, h('tr', {}, ...head.map((label, i) => h('th', { scope: 'col', class: i === 0 ? undefined : 'num' }, label)))),
          h(
            'tbody',
            {},
            ...rows.map((r) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, name(r.group)),
                ...[count(r.calls), count(r.errors), short(r.input), short(r.output), usd(r.cost), ms(r.p95)].map((v) =>
                  h('td', { class: 'num' }, v),
                ),
              ),
            ),
          ),
        ),
  );
}
