// `npm run bench` entry point: node bench/run.js [--quick] [--runs N] [--only content,growth,...]
// Measures oct end to end (a separate process on a fresh database, driven over loopback by wrk or a
// Node generator) next to in-process ceilings, and writes bench/results/latest.{md,json}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildPayloads, writeLuaManifest } from './payloads.js';
import { killAll, REPO } from './oct-process.js';
import { machine, cpuAccount } from './proc-stats.js';
import { postgres } from './postgres.js';
import { readApi } from './read-api.js';
import * as scenarios from './scenarios.js';
import { curve } from './curve.js';
import { addRatios, summarize, renderMarkdown } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const CONFIGS = {
  quick: {
    runs: 1,
    contentBodies: 8,
    contentSecs: 3,
    testbedSecs: 5,
    nativeSecs: 3,
    overloadSecs: 3,
    variantRequests: 6,
    variantMaxSecs: 2,
    insertRequests: 16,
    decodeRequests: 16,
    growthRows: 100_000,
    growthSlice: 10_000,
    growthBudgetSecs: 8,
    retentionRows: 100_000,
    retentionMaxSecs: 15,
    capMb: 16,
    capSecs: 6,
    readRows: 50_000,
    readCalls: 10,
    postgresSecs: 2,
    curveSpans: 2_000,
    curveRows: 100_000,
    indexRows: 20_000,
    indexTimedRows: 5_000,
  },
  // Issue 17's budget, 10 minutes on an idle machine: 3 runs of the short scenarios (~70 s each; commit
  // and retention in the first only), growth to 1M rows (~80 s), cap, read, PostgreSQL (~12 phases of
  // `postgresSecs`), the curve (~1 min) and the index cost (~1 min) once.
  full: {
    runs: 3,
    contentBodies: 16,
    contentSecs: 10,
    testbedSecs: 15,
    nativeSecs: 5,
    overloadSecs: 8,
    variantRequests: 20,
    variantMaxSecs: 4,
    insertRequests: 40,
    decodeRequests: 40,
    growthRows: 1_000_000,
    growthSlice: 100_000,
    growthBudgetSecs: 180,
    retentionRows: 1_000_000,
    retentionMaxSecs: 120,
    capMb: 64,
    capSecs: 45,
    readRows: 1_000_000,
    readCalls: 20,
    postgresSecs: 4,
    curveSpans: 10_000,
    curveRows: 1_000_000,
    indexRows: 250_000,
    indexTimedRows: 20_000,
  },
};
const cfg = { ...CONFIGS[quick ? 'quick' : 'full'] };
if (runsArg >= 0) cfg.runs = Math.max(1, Number(args[runsArg + 1]) || 1);
const ALL = [
  'content',
  'testbed',
  'native',
  'overload',
  'variants',
  'ceilings',
  'commit',
  'retention',
  'growth',
  'cap',
  'read',
  'postgres',
  'curve',
  'indexes',
];
const onlyArg = args.indexOf('--only');
// --only runs a subset (to iterate on one figure); the report then leaves the others out.
const only = onlyArg >= 0 ? args[onlyArg + 1].split(',') : ALL;
const unknown = only.filter((name) => !ALL.includes(name));
if (unknown.length) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${ALL.join(', ')})`);

const started = Date.now();
const account0 = cpuAccount();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-bench-'));
const cleanup = () => {
  killAll();
  fs.rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
    process.exit(130);
  });
const say = (line) => process.stderr.write(`bench: ${line}\n`);

try {
  execFileSync('wrk', ['-v'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    say('wrk not found, installing it (bench/setup.sh)');
    if (spawnSync('bash', [path.join(REPO, 'bench/setup.sh')], { stdio: 'inherit' }).status !== 0)
      throw new Error('bench/setup.sh failed', { cause: err });
  } // wrk -v exits 1 even when present
}
if (!fs.existsSync(path.join(REPO, 'dist/main.js'))) throw new Error('dist/main.js is missing: run `npm run build` (or `npm run bench`)');

// Read before the runs: another engineer may commit while the bench runs.
const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO }).toString().trim()
      ? ' + uncommitted changes in src/'
      : '';
    return head + dirty;
  } catch {
    return 'unknown';
  }
})();
say(`building payloads in ${tmp}`);
const payloads = buildPayloads(path.join(tmp, 'payloads'), { contentBodies: cfg.contentBodies });
const ctx = {
  cfg,
  tmp,
  payloads,
  failures: [],
  /** Scenario runs whose rows were not checked against the spans accepted, or did not match them. */
  unverified: 0,
  run: 0,
  manifests: { content: writeLuaManifest(path.join(tmp, 'content.manifest'), payloads.content.pb, 'bin') },
};

const runs = [];
// Seconds each scenario took, over all its runs: where the time budget goes.
const took = {};
const timed = async (name, run) => {
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    took[name] = Math.round((took[name] ?? 0) + (performance.now() - t0) / 1000);
  }
};
const SINGLE = ['growth', 'cap', 'read', 'postgres', 'curve', 'indexes'];
// Secondary figures, not issue 17's targets: one sample is enough, and the time goes to the budget.
const FIRST_RUN_ONLY = ['commit', 'retention'];
const order = ALL.filter((name) => !SINGLE.includes(name) && only.includes(name));
for (let run = 1; run <= cfg.runs; run++) {
  ctx.run = run;
  const results = { run };
  for (const name of order.filter((n) => run === 1 || !FIRST_RUN_ONLY.includes(n))) {
    say(`run ${run}/${cfg.runs}: ${name}`);
    try {
      results[name] = await timed(name, () => scenarios[name](ctx));
    } catch (err) {
      ctx.unverified++;
      ctx.failures.push(`${name} (run ${run}) crashed: ${err.message}`);
      results[name] = { error: err.message };
    }
  }
  addRatios(results);
  runs.push(results);
}
/** A scenario that runs once, after the round-robin runs; its result, or why it did not run. */
async function once(name, label, run) {
  if (!only.includes(name)) return { skipped: 'not selected by --only' };
  say(label);
  ctx.run = name;
  try {
    return await timed(name, run);
  } catch (err) {
    ctx.unverified++;
    ctx.failures.push(`${name} crashed: ${err.message}`);
    return { skipped: err.message };
  }
}
const growth = await once('growth', `growth to ${cfg.growthRows.toLocaleString('en-US')} rows (budget ${cfg.growthBudgetSecs} s)`, () =>
  scenarios.growth(ctx),
);
const cap = await once('cap', `cap: content load for ${cfg.capSecs} s with OCT_MAX_DB_MB=${cfg.capMb}`, () => scenarios.cap(ctx));
const read = await once('read', `read API over ${cfg.readRows.toLocaleString('en-US')} rows`, () =>
  readApi({ dir: tmp, rows: cfg.readRows, calls: cfg.readCalls }),
);
const pgResults =
  only.includes('postgres') && !fs.existsSync('/usr/lib/postgresql')
    ? { skipped: "Debian's postgresql is not installed (apt-get install -y postgresql)" }
    : await once('postgres', `PostgreSQL: ceilings, then one and three oct processes, ${cfg.postgresSecs} s of load each`, async () => {
        const results = await postgres({ secs: cfg.postgresSecs });
        for (const r of results)
          if (r.rows_match === false) {
            ctx.unverified++;
            ctx.failures.push(`postgres ${r.scenario}: ${r.rows} rows but ${r.acknowledged_spans} spans acknowledged`);
          }
        return results;
      });
const curveResult = await once(
  'curve',
  `cost curve: ${cfg.curveSpans.toLocaleString('en-US')} spans per point, 1 to 512 spans per request, table to ${cfg.curveRows.toLocaleString('en-US')} rows`,
  () => curve(ctx),
);
const indexes = await once(
  'indexes',
  `index cost: ${cfg.indexTimedRows.toLocaleString('en-US')} rows into a table of ${cfg.indexRows.toLocaleString('en-US')}, as shipped and without each random key`,
  () => scenarios.indexCost(ctx),
);

const secs = Math.round((Date.now() - started) / 1000);
const account1 = cpuAccount();
// Issue 17's time budget: a full run under 10 minutes, --quick under 90 s, judged on a run of every scenario.
const budgetSecs = quick ? 90 : 600;
const budget = {
  text: quick ? '90 s' : '10 min',
  applies: only.length === ALL.length,
  met: secs <= budgetSecs,
};
if (budget.applies && !budget.met) ctx.failures.push(`the bench took ${secs} s, over its ${budget.text} budget`);
// Cores used by programs other than the bench and what it started: a noise indicator.
const otherCores = Math.max(0, (account1.machine - account0.machine - (account1.bench - account0.bench)) / (account1.t - account0.t));
const pb = payloads.content.pb[0],
  tb = payloads.testbed.pb[0];
const native = runs.find((r) => r.native?.skipped);
const meta = {
  other_cores: Number(otherCores.toFixed(2)),
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  machine: machine(),
  commit,
  runs: cfg.runs,
  took: `${Math.floor(secs / 60)} min ${secs % 60} s`,
  budget,
  scenario_secs: took,
  config: cfg,
  payloads: {
    content: `${pb.spans} chat spans with content per protobuf request, ${(pb.bytes / 2 ** 20).toFixed(2)} MiB (${Math.round(pb.bytes / pb.spans)} B/span), ${cfg.contentBodies} distinct bodies, wrk -t1 -c4 (overload -c16), ${cfg.contentSecs} s (overload ${cfg.overloadSecs} s)`,
    testbed: `${tb.spans} spans per request, ${Math.round(tb.bytes / tb.spans)} B/span, 100 requests/s for ${cfg.testbedSecs} s from a Node process, every 10th request checked for visibility`,
    native: `one event per POST /api/v1/traces, wrk -t1 -c4, ${cfg.nativeSecs} s${native ? ` — skipped: ${native.native.skipped}` : ''}`,
  },
  notes: [
    "oct runs as `node dist/main.js` with OCT_PORT=0, a fresh OCT_DB_PATH per scenario and OCT_LOG_LEVEL=info (the start line that names the port is logged at info; oct logs nothing per request). Nothing is pinned to a core: oct, the load generator and the kernel share the machine's cores.",
    'wrk does not honour Retry-After: after a 503 it sends the next request at once, so with refusals the figures show oct spending CPU on refused bodies.',
    "CPU is user+system time of oct (all its threads) from /proc/<pid>/stat; peak RSS is VmHWM. Visibility = time from the 200 until the request's last span is readable through a read-only SQLite connection (polled every 2 ms).",
    `Ceilings run in their own processes on a fresh table of ${(cfg.insertRequests * pb.spans).toLocaleString('en-US')} rows; the content scenario's table grows past that, so growth shows the size effect.`,
  ],
};
const summary = summarize(runs);
const result = {
  meta,
  summary,
  growth,
  cap,
  read,
  postgres: pgResults,
  curve: curveResult,
  indexes,
  runs,
  failures: ctx.failures,
  unverified: ctx.unverified,
};
const md = renderMarkdown(result);
const outDir = path.join(REPO, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'latest.md'), md);
fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(result, null, 1) + '\n');
process.stdout.write(md);
say(`done in ${meta.took}; wrote bench/results/latest.md and latest.json`);
process.exitCode = ctx.failures.length ? 1 : 0;
