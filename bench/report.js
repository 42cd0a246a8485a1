// Turns the per-run results into medians (min–max), checks the issue's targets, renders markdown.

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
const fmt = (x) => (x == null ? '—' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3))));

export function stats(values) {
  const xs = values.filter((v) => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return { median: xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2, min: xs[0], max: xs.at(-1), n: xs.length };
}

// [scenario, figure, path in a run's results, target]. A target holds if the median meets it (with
// `every`, the worst run does: the max against a `max`, the min against a `min`) and, with `all`,
// every run produced the figure (e.g. "sustained" exists only for runs without 503s).
const FIGURES = [
  ['content', 'accepted spans/s, 503s counted (max)', 'content.spans_per_s'],
  ['content', 'sustained spans/s (runs with 0 refusals)', 'content.sustained_spans_per_s'],
  ['content', '503 responses', 'content.requests_503'],
  ['content', 'response p50 / p99 ms', ['content.p50_ms', 'content.p99_ms']],
  ['content', 'oct cores used / wrk cores used', ['content.oct_cores', 'content.wrk_cores']],
  ['content', "oct's main thread / busiest other thread, cores", ['content.threads.main', 'content.threads.busiest_other']],
  ['content', 'oct CPU s per 1k spans', 'content.cpu_s_per_1k'],
  ['content', 'peak RSS MiB', 'content.peak_rss_mib'],
  ['testbed', 'accepted spans/s (offered 10,000)', 'testbed.spans_per_s'],
  ['testbed', '503 responses', 'testbed.requests_503'],
  ['testbed', 'oct CPU % of one core', 'testbed.oct_cpu_pct', { max: 45, text: '≤ 45 %' }],
  [
    'testbed',
    "oct's main thread / busiest other thread, % of a core",
    ['testbed.threads.main', 'testbed.threads.busiest_other'],
    null,
    100,
  ],
  ['testbed', 'peak RSS MiB', 'testbed.peak_rss_mib', { max: 128, text: '≤ 128 MiB' }],
  ['testbed', 'response p50 ms', 'testbed.p50_ms'],
  ['testbed', 'response p99 ms', 'testbed.p99_ms', { max: 5, text: '≤ 5 ms' }],
  ['testbed', 'visibility p50 ms', 'testbed.visibility_p50_ms'],
  ['testbed', 'visibility p99 ms', 'testbed.visibility_p99_ms', { max: 600, all: true, text: '≤ 600 ms' }],
  ['testbed', 'oct CPU s per 1k spans', 'testbed.cpu_s_per_1k'],
  [
    'testbed',
    'acknowledged spans missing from SQLite',
    'testbed.missing_spans',
    { max: 0, every: true, all: true, text: '0 in every run (every span persisted)' },
  ],
  ['native', 'posts/s', 'native.posts_per_s'],
  ['native', 'response p50 ms', 'native.p50_ms'],
  ['native', 'response p99 ms', 'native.p99_ms', { max: 5, every: true, all: true, text: '≤ 5 ms in every run' }],
  ['native', 'oct cores used / wrk cores used', ['native.oct_cores', 'native.wrk_cores']],
  ['native', 'oct CPU s per 1k posts', 'native.cpu_s_per_1k'],
  ['overload', 'accepted spans/s (16 connections)', 'overload.spans_per_s'],
  ['overload', '503 responses', 'overload.requests_503'],
  ['overload', 'peak RSS MiB', 'overload.peak_rss_mib'],
  ['overload', 'peak RSS, last third ÷ middle third of the run', 'overload.rss_late_over_middle', { max: 1.2, text: '≤ 1.2 (bounded)' }],
  ['overload', 'oct CPU s per 1k spans', 'overload.cpu_s_per_1k'],
  ['variants', 'protobuf: spans/s / CPU s per 1k', ['variants.protobuf.spans_per_s', 'variants.protobuf.cpu_s_per_1k']],
  ['variants', 'OTLP/JSON: spans/s / CPU s per 1k', ['variants.json.spans_per_s', 'variants.json.cpu_s_per_1k']],
  ['variants', 'gzip protobuf: spans/s / CPU s per 1k', ['variants.gzip.spans_per_s', 'variants.gzip.cpu_s_per_1k']],
  [
    'load',
    'generator CPU ms per content request: wrk / Node',
    ['content.generator_cpu_ms_per_req', 'variants.protobuf.generator_cpu_ms_per_req'],
  ],
  ['commit', 'OCT_ACK=commit content: spans/s / 503s', ['commit.content.spans_per_s', 'commit.content.requests_503']],
  ['commit', 'OCT_ACK=commit content: response p50 / p99 ms', ['commit.content.p50_ms', 'commit.content.p99_ms']],
  ['commit', 'OCT_ACK=commit testbed: spans/s / 503s', ['commit.testbed.spans_per_s', 'commit.testbed.requests_503']],
  ['commit', 'OCT_ACK=commit testbed: response p50 / p99 ms', ['commit.testbed.p50_ms', 'commit.testbed.p99_ms']],
  ['retention', 'rows seeded (half expired) / deleted by the start-up pass', ['retention.seeded_rows', 'retention.deleted_traces']],
  [
    'retention',
    'pass ms / delete transactions / seconds of load',
    ['retention.pass_ms', 'retention.pass_transactions', 'retention.load_secs'],
  ],
  ['retention', 'testbed during the pass: spans/s / 503s', ['retention.spans_per_s', 'retention.requests_503']],
  ['retention', 'testbed during the pass: response p50 / p99 ms', ['retention.p50_ms', 'retention.p99_ms']],
  ['ceiling', 'insert, better-sqlite3 direct, rows/s', 'ceilings.insert-raw.rows_per_s'],
  ['ceiling', "insert through oct's SqliteExporter, rows/s", 'ceilings.insert-oct.rows_per_s'],
  [
    'ceiling',
    'decode+map protobuf / JSON / gzip, spans/s',
    ['ceilings.decode.protobuf.spans_per_s', 'ceilings.decode.json.spans_per_s', 'ceilings.decode.gzip.spans_per_s'],
  ],
  ['ratio', 'content e2e ÷ direct insert ceiling', 'ratios.vs_insert_raw'],
  ['ratio', "content e2e ÷ oct's writer alone", 'ratios.vs_insert_oct', { min: 0.9, text: '≥ 0.90' }],
  ['ratio', 'content e2e ÷ decode+map ceiling', 'ratios.vs_decode'],
  ['ratio', 'content e2e ÷ 1/(1/insert + 1/decode) (serial chain)', 'ratios.vs_chain'],
];

/** Ratios inside each run (the same round), so machine drift cancels out. */
export function addRatios(run) {
  const e2e = run.content?.spans_per_s;
  const raw = run.ceilings?.['insert-raw']?.rows_per_s,
    oct = run.ceilings?.['insert-oct']?.rows_per_s,
    dec = run.ceilings?.decode?.protobuf?.spans_per_s;
  const r = (a, b) => (a != null && b ? Number((a / b).toFixed(2)) : null);
  run.ratios = {
    vs_insert_raw: r(e2e, raw),
    vs_insert_oct: r(e2e, oct),
    vs_decode: r(e2e, dec),
    vs_chain: raw && dec ? r(e2e, 1 / (1 / raw + 1 / dec)) : null,
  };
}

function cell(runs, path) {
  const s = stats(runs.map((r) => get(r, path)));
  if (!s) return { text: '—', s };
  return { text: s.n > 1 && s.min !== s.max ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median), s };
}

/** Whether a figure's stats over the runs (null: no run produced it) meet its target. */
export function meets(target, s, complete) {
  if (!s || (target.all && !complete)) return false;
  const low = target.every ? s.min : s.median,
    high = target.every ? s.max : s.median;
  return (target.min == null || low >= target.min) && (target.max == null || high <= target.max);
}

export function summarize(runs) {
  return FIGURES.map(([scenario, figure, path, target, scale = 1]) => {
    const paths = Array.isArray(path) ? path : [path];
    const cells = paths.map((p) =>
      cell(
        runs.map((r) => ({ v: get(r, p) == null ? null : get(r, p) * scale })),
        'v',
      ),
    );
    let met = null;
    if (target) {
      met = meets(
        target,
        cells[0].s,
        runs.every((r) => get(r, paths[0]) != null),
      );
    }
    return {
      scenario,
      figure,
      value: cells.map((c) => c.text).join(' / '),
      median: cells.map((c) => c.s?.median ?? null),
      target: target?.text ?? '',
      met,
    };
  });
}

/** The cost curve's rows: µs of oct CPU per span, all threads (main thread / writer thread). */
function curveRows(curve) {
  const perSpan = (p) => `${fmt(p.cpu_us_per_span)} (${fmt(p.main_us_per_span)} / ${fmt(p.writer_us_per_span)})`;
  const levels = (p) => {
    const depths = Object.entries(p.levels).filter(([name]) => name !== 'traces');
    return `${p.levels.traces ?? '?'} / ${Math.min(...depths.map(([, d]) => d))}–${Math.max(...depths.map(([, d]) => d))}`;
  };
  const label = 'oct CPU µs per span (main thread / writer thread)';
  return [
    ...curve.sizes.map(
      (p) =>
        `| curve | ${p.spans_per_request} span${p.spans_per_request > 1 ? 's' : ''} per request, empty table: ${label} | ${perSpan(p)} | | |`,
    ),
    `| curve | oct CPU µs per span added, ${curve.marginal.steps.map((s) => `${s.from}→${s.to}`).join(' / ')} spans per request | ${curve.marginal.steps.map((s) => fmt(s.us_per_added_span)).join(' / ')} | | |`,
    `| curve | oct CPU µs per request, fixed (a 1-span request less one added span) | ${fmt(curve.marginal.per_request_us)} | | |`,
    ...curve.tables.map(
      (p) =>
        `| curve | table at ${fmt(p.table_rows)} rows (B-tree levels: table / indexes ${levels(p)}), 100 spans per request: ${label} | ${perSpan(p)} | | |`,
    ),
  ];
}

/** The index cost's rows: what each random key adds per row, and the writer's rate without both. */
function indexRows(indexes) {
  if (indexes.unavailable) return [`| indexes | unavailable: ${indexes.unavailable} | | | |`];
  const label = `table at ${fmt(indexes.table_rows)} testbed rows, ${fmt(indexes.timed_rows)} rows in 50-row transactions on oct's connection (medians of ${indexes.rounds} round-robin rounds): µs per row (insert / commit), WAL pages per commit`;
  const [shipped, ...others] = indexes.variants;
  return [
    ...indexes.variants.map(
      (v) =>
        `| indexes | ${label}: ${v.variant} | ${fmt(v.us_per_row)} (${fmt(v.insert_us)} / ${fmt(v.commit_us)}), ${fmt(v.wal_pages_per_commit)} | | |`,
    ),
    `| indexes | rows/s ÷ as shipped: ${others.map((v) => v.variant).join(' / ')} | ${others.map((v) => fmt(shipped.us_per_row / v.us_per_row)).join(' / ')} | | |`,
  ];
}

function budgetNote({ budget }) {
  if (!budget) return '';
  if (!budget.applies) return ` (the ${budget.text} budget applies to a run of every scenario)`;
  return ` — budget ${budget.text}: ${budget.met ? '✅' : '❌'}`;
}

export function renderMarkdown(result) {
  const { meta, summary, growth, cap, read, postgres, curve, indexes, failures, unverified } = result;
  const mark = (met) => (met == null ? '' : met ? '✅' : '❌');
  const lines = [
    `# oct bench (${meta.mode}) — ${meta.date}`,
    '',
    `Machine: ${meta.machine.cpus} CPUs (${meta.machine.cpu}), ${meta.machine.mem_gib} GiB RAM, node ${meta.machine.node}, ${meta.machine.wrk}; load average at start ${meta.machine.loadavg_at_start}.`,
    `oct: commit ${meta.commit}. Runs: ${meta.runs} of each scenario, round-robin${meta.runs > 1 ? ' (value = median, min–max in brackets)' : ''}; commit and retention: the first run only; growth, cap, read, postgres, curve and indexes: once, after the runs. Bench took ${meta.took}${budgetNote(meta)}.`,
    `Seconds per scenario (all its runs): ${Object.entries(meta.scenario_secs)
      .map(([name, secs]) => `${name} ${secs}`)
      .join(', ')}.`,
    `Other programs on the machine used ${meta.other_cores} cores on average during the bench${meta.other_cores > 0.15 ? ' — ⚠ the machine was not idle, so these figures are noisy' : ' (idle enough)'}.`,
    `Load: content = ${meta.payloads.content}; testbed = ${meta.payloads.testbed}; native = ${meta.payloads.native}.`,
    '',
    '| scenario | figure | value | target | |',
    '|---|---|---|---|---|',
    ...summary.map((r) => `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.target} | ${mark(r.met)} |`),
  ];
  if (growth && !growth.skipped) {
    lines.push(
      `| growth | slices of ${fmt(growth.slice_rows)} rows to ${fmt(growth.target_rows)}: first / worst slice spans/s | ${fmt(growth.first_slice_spans_per_s)} / ${fmt(growth.worst_slice_spans_per_s)} | | |`,
      `| growth | worst slice ÷ first slice | ${fmt(growth.worst_over_first)} | ≥ 0.85, to ${fmt(growth.target_rows)} rows, 0 × 503 | ${mark(growth.reached && growth.worst_over_first >= 0.85 && growth.requests_503 === 0)} |`,
      `| growth | rows reached in ${growth.load_secs} s / accepted spans/s overall / 503s | ${fmt(growth.rows)} / ${fmt(growth.spans_per_s)} / ${fmt(growth.requests_503)} | | ${growth.reached ? '' : '❌ budget ran out'} |`,
      `| growth | oct cores / CPU s per 1k spans / peak RSS MiB / DB MiB / largest WAL MiB | ${fmt(growth.oct_cores)} / ${fmt(growth.cpu_s_per_1k)} / ${fmt(growth.peak_rss_mib)} / ${fmt(growth.db_mib)} / ${fmt(growth.wal_max_mib)} | | |`,
    );
  }
  if (cap && !cap.skipped) {
    const held = cap.peak_mib_second_half <= cap.peak_mib_first_half * 1.05;
    lines.push(
      `| cap | OCT_MAX_DB_MB=${cap.cap_mib}, ${cap.load_secs} s of content load: spans written / kept / deleted | ${fmt(cap.spans_written)} / ${fmt(cap.rows_kept)} / ${fmt(cap.rows_deleted)} | | |`,
      `| cap | file (database + WAL) MiB: peak in the first half / peak in the second half / at the end | ${fmt(cap.peak_mib_first_half)} / ${fmt(cap.peak_mib_second_half)} / ${fmt(cap.final_mib)} | second half ≤ first half × 1.05 (stopped growing) | ${mark(held)} |`,
      `| cap | accepted spans/s / 503s | ${fmt(cap.spans_per_s)} / ${fmt(cap.requests_503)} | | |`,
    );
  }
  if (read && !read.skipped)
    lines.push(
      ...read.queries.map(
        (q) =>
          `| read | ${q.query} over ${fmt(read.rows)} rows: p50 / p95 ms (${q.calls} calls, ~${fmt(q.avg_items)} items) | ${fmt(q.p50_ms)} / ${fmt(q.p95_ms)} | | |`,
      ),
    );
  if (Array.isArray(postgres)) {
    const ceiling = (kind, connections) =>
      Math.max(
        ...postgres
          .filter((r) => r.scenario.startsWith(`ceiling ${kind}:`) && r.scenario.endsWith(`, ${connections} conn`))
          .map((r) => r.spans_per_s),
      );
    for (const r of postgres) {
      const oct = r.scenario.match(/^(content|testbed), (\d) oct$/);
      const figure = oct
        ? `${fmt(r.spans_per_s)} = ${fmt(r.spans_per_s / ceiling(oct[1], Number(oct[2])))}× the best ${oct[2]}-connection ceiling; ${fmt(r.requests_503)} × 503, drain ${r.drain_secs} s`
        : fmt(r.spans_per_s);
      lines.push(
        `| postgres | ${r.scenario}: spans/s | ${figure} | ${oct ? 'every acknowledged span stored once' : ''} | ${oct ? mark(r.rows_match) : ''} |`,
      );
    }
  } else if (postgres && postgres.skipped !== 'not selected by --only') lines.push(`| postgres | skipped: ${postgres.skipped} | | | |`);
  if (curve && !curve.skipped) lines.push(...curveRows(curve));
  if (indexes && !indexes.skipped) lines.push(...indexRows(indexes));
  if (growth && !growth.skipped)
    lines.push(
      '',
      `Growth slices (spans/s while the table grew through each slice): ${growth.slices.map((s) => `${fmt(s.to_rows / 1000)}k: ${fmt(s.spans_per_s)}`).join(', ') || 'none completed'}.`,
    );
  if (cap && !cap.skipped) lines.push('', `Cap: file MiB over time (s: MiB): ${cap.sizes.map((x) => `${x.t}: ${fmt(x.mib)}`).join(', ')}.`);
  lines.push('', `Rows in SQLite = spans accepted: ${unverified ? `❌ in ${unverified} scenario runs` : '✅ in every scenario and run'}.`);
  if (failures.length) lines.push('', '**Failures**', '', ...failures.map((f) => `- ${f}`));
  if (meta.notes?.length) lines.push('', ...meta.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
