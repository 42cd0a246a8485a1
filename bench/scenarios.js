// The bench scenarios. Each starts its own oct on a fresh database, drives it from a separate load
// process, reads oct's CPU and memory from /proc, and checks that SQLite holds exactly the spans oct
// accepted (a mismatch is recorded in ctx.failures and fails the bench).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startOct, waitDrained, countRows, dbBytes, walBytes, removeDb, track, REPO } from './oct-process.js';
import { runWrk } from './load-wrk.js';
import { cpuSeconds, peakRssMiB, sampleRss, threadCpuSeconds, threadCores } from './proc-stats.js';

const HERE = path.join(REPO, 'bench');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const round = (x, digits = 0) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

let stampRange = 0;
/** Each load run gets its own range of id stamps, so no two runs ever send the same span. */
export const nextStampBase = () => ++stampRange * 2 ** 22;

async function withOct(ctx, name, fn, env = {}) {
  const dbPath = path.join(ctx.tmp, `${name}-${ctx.run}.db`);
  removeDb(dbPath);
  const oct = await startOct(dbPath, env);
  try {
    return await fn(oct);
  } finally {
    const code = await oct.stop();
    if (code !== 0) ctx.failures.push(`${name}: oct exited with ${code}: ${oct.log().trim().split('\n').slice(-3).join(' | ')}`);
    removeDb(dbPath);
  }
}

/**
 * Checks, once oct has written everything it admitted, that SQLite holds every span a client saw
 * accepted and nothing else (on top of `rowsBefore` rows written before oct started): rows = oct's
 * persisted count, no duplicates or failed rows, and
 * clientOk × perRequest ≤ rows ≤ (clientOk + inFlight) × perRequest. wrk stops with up to one request
 * per connection in flight: oct may have admitted those although wrk never counted the answer.
 */
export async function verify(ctx, name, oct, { clientOk, perRequest, inFlight = 0, rowsBefore = 0 }) {
  const { health, waitedMs } = await waitDrained(oct);
  const rows = countRows(oct.dbPath) - rowsBefore;
  const p = health.pipeline;
  const problems = [];
  if (rows < clientOk * perRequest) problems.push(`${rows} rows but ${clientOk * perRequest} spans acknowledged`);
  if (rows > (clientOk + inFlight) * perRequest) problems.push(`${rows} rows but at most ${(clientOk + inFlight) * perRequest} spans sent`);
  if (rows % perRequest !== 0) problems.push(`${rows} rows is not a whole number of requests of ${perRequest}`);
  if (rows !== p.persisted) problems.push(`${rows} rows but oct counts ${p.persisted} persisted`);
  if (p.duplicates || p.failed || p.lost) problems.push(`oct counts ${p.duplicates} duplicates, ${p.failed} failed, ${p.lost} lost`);
  if (problems.length) ctx.unverified++;
  for (const problem of problems) ctx.failures.push(`${name} (run ${ctx.run}): ${problem}`);
  return {
    rows,
    rows_match: problems.length === 0,
    missing_spans: Math.max(0, clientOk * perRequest - rows),
    unanswered_requests: rows / perRequest - clientOk,
    drain_ms: waitedMs,
  };
}

/** Runs load-node.js; calls onStart/onEnd when it prints START/END (the measured window). */
export function runNodeLoad(opts, { onStart, onEnd, signal } = {}) {
  const child = track(
    spawn(process.execPath, [path.join(HERE, 'load-node.js'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  // Rate mode stops sending at SIGUSR2 and reports what it sent.
  signal?.addEventListener('abort', () => child.kill('SIGUSR2'), { once: true });
  let out = '',
    err = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (onStart && out.includes('START\n')) {
      onStart();
      onStart = null;
    }
    if (onEnd && out.includes('END\n')) {
      onEnd();
      onEnd = null;
    }
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`load-node.js failed (${code}): ${err}`));
      resolve(JSON.parse(line));
    }),
  );
}

/** Fields every wrk-driven OTLP scenario reports. */
function wrkFigures(w, spansPerReq, cpu) {
  const accepted = w.ok * spansPerReq;
  return {
    secs: round(w.secs, 2),
    requests_ok: w.ok,
    requests_503: w.refused,
    requests_other: w.other + w.socket_errors + w.timeouts,
    spans_per_s: round(accepted / w.secs),
    sustained_spans_per_s: w.refused === 0 && w.other === 0 ? round(accepted / w.secs) : null,
    p50_ms: round(w.p50_us / 1000, 2),
    p99_ms: round(w.p99_us / 1000, 2),
    oct_cores: round(cpu / w.secs, 2),
    cpu_s_per_1k: accepted ? round((cpu / accepted) * 1000, 4) : null,
    wrk_cores: round(w.wrk_cpu_s / w.secs, 2),
    generator_cpu_ms_per_req: round((w.wrk_cpu_s * 1000) / w.requests, 2),
  };
}

/** 1. content: 512 chat spans with content per protobuf request, as fast as oct takes them. */
export async function content(ctx, env = {}) {
  const { spans } = ctx.payloads.content.pb[0];
  return withOct(
    ctx,
    'content',
    async (oct) => {
      const c0 = cpuSeconds(oct.pid),
        th0 = threadCpuSeconds(oct.pid);
      const w = await runWrk({
        url: oct.url,
        secs: ctx.cfg.contentSecs,
        conns: 4,
        manifest: ctx.manifests.content,
        stampBase: nextStampBase(),
      });
      const threads = threadCores(th0, threadCpuSeconds(oct.pid), w.secs);
      const check = await verify(ctx, 'content', oct, { clientOk: w.ok, perRequest: spans, inFlight: 4 });
      const cpu = cpuSeconds(oct.pid) - c0; // includes writing what was still queued when wrk stopped
      return { ...wrkFigures(w, spans, cpu), threads, peak_rss_mib: round(peakRssMiB(oct.pid)), ...check };
    },
    env,
  );
}

/** The oct_batch_write_seconds histogram of /metrics: the bucket of the slowest write, and how many took over 100 ms. */
async function batchWriteSeconds(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = [...text.matchAll(/^oct_batch_write_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => ({
    le: m[1],
    n: Number(m[2]),
  }));
  const all = buckets.at(-1)?.n ?? 0;
  const at = (le) => buckets.find((b) => b.le === le)?.n ?? 0;
  return { slowestLe: buckets.find((b) => b.n === all)?.le ?? null, over100ms: all - at('0.1') };
}

/** 2. growth: content load until the table holds `growthRows` rows (or the time budget is spent). */
export async function growth(ctx) {
  const { spans } = ctx.payloads.content.pb[0];
  const { growthRows: target, growthSlice: slice, growthBudgetSecs: budget } = ctx.cfg;
  return withOct(ctx, 'growth', async (oct) => {
    const samples = [{ t: 0, persisted: 0 }];
    let walMax = 0;
    const t0 = performance.now();
    const c0 = cpuSeconds(oct.pid);
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const h = await oct.health();
        samples.push({ t: (performance.now() - t0) / 1000, persisted: h.pipeline.persisted });
        walMax = Math.max(walMax, walBytes(oct.dbPath));
        await sleep(250);
      }
    })();
    let ok = 0,
      refused = 0,
      wrkCpu = 0,
      chunks = 0;
    // wrk runs in chunks sized to what is left, so it stops close to the target without being killed.
    for (;;) {
      const elapsed = (performance.now() - t0) / 1000;
      const done = samples.at(-1).persisted;
      if (done >= target || elapsed >= budget) break;
      const rate = done > 0 ? done / elapsed : 10_000;
      const secs = Math.max(2, Math.min(15, Math.ceil((target - done) / rate) + 1, Math.ceil(budget - elapsed)));
      const w = await runWrk({ url: oct.url, secs, conns: 4, manifest: ctx.manifests.content, stampBase: nextStampBase() });
      ok += w.ok;
      refused += w.refused;
      wrkCpu += w.wrk_cpu_s;
      chunks++;
      if (ok * spans >= target) break;
    }
    const loadSecs = (performance.now() - t0) / 1000;
    const check = await verify(ctx, 'growth', oct, { clientOk: ok, perRequest: spans, inFlight: 4 * chunks });
    polling = false;
    await poller;
    const cpu = cpuSeconds(oct.pid) - c0;
    // Time at which the table reached each slice boundary, interpolated between health samples.
    const crossing = (rows) => {
      const i = samples.findIndex((s) => s.persisted >= rows);
      if (i <= 0) return null;
      const a = samples[i - 1],
        b = samples[i];
      return a.t + ((rows - a.persisted) / (b.persisted - a.persisted)) * (b.t - a.t);
    };
    const slices = [];
    for (let k = 1; k * slice <= Math.min(target, check.rows); k++) {
      const start = crossing((k - 1) * slice) ?? 0,
        end = crossing(k * slice);
      if (end == null) break;
      slices.push({ to_rows: k * slice, secs: round(end - start, 2), spans_per_s: round(slice / (end - start)) });
    }
    const worst = slices.reduce((m, s) => Math.min(m, s.spans_per_s), Infinity);
    const writes = await batchWriteSeconds(oct.url);
    return {
      target_rows: target,
      slice_rows: slice,
      reached: check.rows >= target,
      load_secs: round(loadSecs, 1),
      requests_ok: ok,
      requests_503: refused,
      spans_per_s: round((ok * spans) / loadSecs),
      first_slice_spans_per_s: slices[0]?.spans_per_s ?? null,
      worst_slice_spans_per_s: slices.length ? worst : null,
      worst_over_first: slices.length ? round(worst / slices[0].spans_per_s, 2) : null,
      oct_cores: round(cpu / loadSecs, 2),
      cpu_s_per_1k: ok ? round((cpu / (ok * spans)) * 1000, 4) : null,
      wrk_cores: round(wrkCpu / loadSecs, 2),
      peak_rss_mib: round(peakRssMiB(oct.pid)),
      db_mib: round(dbBytes(oct.dbPath) / 2 ** 20),
      wal_max_mib: round(walMax / 2 ** 20),
      // The slowest batch write lies in this histogram bucket (le, seconds): a stalled writer shows here.
      slowest_batch_write_le_s: writes.slowestLe,
      batch_writes_over_100ms: writes.over100ms,
      ...check,
      slices,
    };
  });
}

/** 3. testbed: 100 small spans per request at a fixed 100 requests/s, latency and visibility. */
export async function testbed(ctx, env = {}) {
  const { spans } = ctx.payloads.testbed.pb[0];
  return withOct(
    ctx,
    'testbed',
    async (oct) => {
      let c0, c1, t0, t1, th0, th1;
      const g = await runNodeLoad(
        {
          mode: 'rate',
          url: oct.url,
          bodies: ctx.payloads.testbed.pb,
          rps: 100,
          secs: ctx.cfg.testbedSecs,
          stampBase: nextStampBase(),
          dbPath: oct.dbPath,
          visibilityEvery: 10,
        },
        {
          onStart: () => {
            c0 = cpuSeconds(oct.pid);
            th0 = threadCpuSeconds(oct.pid);
            t0 = performance.now();
          },
          onEnd: () => {
            c1 = cpuSeconds(oct.pid);
            th1 = threadCpuSeconds(oct.pid);
            t1 = performance.now();
          },
        },
      );
      const ok = Object.entries(g.statuses).reduce((s, [k, n]) => s + (k >= 200 && k < 300 ? n : 0), 0);
      const check = await verify(ctx, 'testbed', oct, { clientOk: ok, perRequest: spans });
      const window = (t1 - t0) / 1000;
      return {
        secs: round(window, 2),
        requests_ok: ok,
        requests_503: g.statuses['503'] ?? 0,
        spans_per_s: round((ok * spans) / window),
        oct_cpu_pct: round((100 * (c1 - c0)) / window, 1),
        threads: threadCores(th0, th1, window),
        cpu_s_per_1k: ok ? round(((cpuSeconds(oct.pid) - c0) / (ok * spans)) * 1000, 4) : null,
        peak_rss_mib: round(peakRssMiB(oct.pid)),
        p50_ms: round(g.latency_ms.p50, 2),
        p99_ms: round(g.latency_ms.p99, 2),
        visibility_p50_ms: round(g.visibility_ms.p50, 1),
        visibility_p99_ms: round(g.visibility_ms.p99, 1),
        visibility_samples: g.visibility_ms.n,
        never_visible: g.never_visible,
        generator_cores: round(g.generator_cpu_s / window, 2),
        ...check,
      };
    },
    env,
  );
}

/** 8. commit: content and testbed again with OCT_ACK=commit (answers wait for the commit, synchronous=FULL). */
export async function commit(ctx) {
  return { content: await content(ctx, { OCT_ACK: 'commit' }), testbed: await testbed(ctx, { OCT_ACK: 'commit' }) };
}

/**
 * 9. retention: a table of `retentionRows` small rows, half of them 40 days old, then oct starts
 * with the default 30-day retention under the testbed load: the start-up pass deletes the expired
 * half while requests keep coming. The load runs until the pass is over (at most
 * `retentionMaxSecs`), so its figures are the pass's; the testbed scenario is the same load without one.
 */
export async function retention(ctx) {
  const dbPath = path.join(ctx.tmp, `retention-${ctx.run}.db`);
  removeDb(dbPath);
  const seeded = await startOct(dbPath, { OCT_RETENTION_DAYS: '0' });
  await seeded.stop();
  const t0 = performance.now();
  seedRows(dbPath, ctx.cfg.retentionRows);
  const seedSecs = (performance.now() - t0) / 1000;
  const oct = await startOct(dbPath);
  try {
    let pass = null;
    let started = false;
    const stop = new AbortController();
    const poll = setInterval(async () => {
      const r = (await oct.health().catch(() => null))?.storage?.retention;
      if (r?.passes >= 1 && pass == null) pass = r;
      if (pass && started) stop.abort();
    }, 100);
    const { spans } = ctx.payloads.testbed.pb[0];
    const g = await runNodeLoad(
      {
        mode: 'rate',
        url: oct.url,
        bodies: ctx.payloads.testbed.pb,
        rps: 100,
        secs: ctx.cfg.retentionMaxSecs,
        stampBase: nextStampBase(),
      },
      { onStart: () => (started = true), signal: stop.signal },
    );
    clearInterval(poll);
    const ok = Object.entries(g.statuses).reduce((n, [k, c]) => n + (k >= 200 && k < 300 ? c : 0), 0);
    // The rows left are the seeded recent half and what the load stored, once the pass is over.
    for (let waited = 0; !((await oct.health()).storage?.retention?.passes >= 1) && waited < 120_000; waited += 250) await sleep(250);
    await verify(ctx, 'retention', oct, { clientOk: ok, perRequest: spans, rowsBefore: ctx.cfg.retentionRows / 2 });
    const h = await oct.health();
    const r = pass ?? h.storage?.retention;
    return {
      seeded_rows: ctx.cfg.retentionRows,
      seed_secs: round(seedSecs, 1),
      pass_done_during_load: pass != null,
      pass_ms: pass?.last_pass_ms ?? null,
      deleted_traces: r?.deleted?.traces ?? null,
      pass_transactions: pass?.last_pass_transactions ?? null,
      load_secs: round(g.secs, 1),
      spans_per_s: round((ok * spans) / g.secs),
      requests_503: g.statuses['503'] ?? 0,
      p50_ms: round(g.latency_ms.p50, 2),
      p99_ms: round(g.latency_ms.p99, 2),
      db_mib: round(dbBytes(dbPath) / 2 ** 20),
      free_pages: h.storage?.free_pages ?? null,
    };
  } finally {
    await oct.stop();
    removeDb(dbPath);
  }
}

/**
 * 10. cap: content load for `capSecs` with OCT_MAX_DB_MB=`capMb`: the file (database + WAL) is
 * sampled every second, to show that it stops growing once retention holds the cap (freed pages are
 * reused, not given back).
 */
export async function cap(ctx) {
  const { spans } = ctx.payloads.content.pb[0];
  const { capMb, capSecs } = ctx.cfg;
  return withOct(
    ctx,
    'cap',
    async (oct) => {
      const sizes = [];
      const t0 = performance.now();
      let polling = true;
      const poller = (async () => {
        while (polling) {
          sizes.push({ t: Math.round((performance.now() - t0) / 1000), mib: round(dbBytes(oct.dbPath) / 2 ** 20, 1) });
          await sleep(1_000);
        }
      })();
      let ok = 0,
        refused = 0,
        chunks = 0;
      while ((performance.now() - t0) / 1000 < capSecs) {
        const secs = Math.max(2, Math.min(15, Math.ceil(capSecs - (performance.now() - t0) / 1000)));
        const w = await runWrk({ url: oct.url, secs, conns: 4, manifest: ctx.manifests.content, stampBase: nextStampBase() });
        ok += w.ok;
        refused += w.refused;
        chunks++;
      }
      const loadSecs = (performance.now() - t0) / 1000;
      const { health } = await waitDrained(oct);
      polling = false;
      await poller;
      const half = sizes.filter((x) => x.t >= loadSecs / 2);
      const peakLate = half.reduce((m, x) => Math.max(m, x.mib), 0);
      const peakEarly = sizes.filter((x) => x.t < loadSecs / 2).reduce((m, x) => Math.max(m, x.mib), 0);
      const deleted = health.storage?.retention?.deleted?.traces ?? null;
      return {
        cap_mib: capMb,
        load_secs: round(loadSecs, 1),
        spans_written: health.pipeline.persisted,
        rows_kept: countRows(oct.dbPath),
        rows_deleted: deleted,
        requests_ok: ok,
        requests_503: refused,
        spans_per_s: round((ok * spans) / loadSecs),
        peak_mib_first_half: peakEarly,
        peak_mib_second_half: peakLate,
        final_mib: round(dbBytes(oct.dbPath) / 2 ** 20, 1),
        free_pages: health.storage?.free_pages ?? null,
        wrk_chunks: chunks,
        sizes: sizes.filter((_, i) => i % 5 === 0),
      };
    },
    { OCT_MAX_DB_MB: String(capMb) },
  );
}

/** Small traces rows straight into the file, in time order like real data: the first half 40 days old. */
function seedRows(dbPath, n) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO traces (trace_id, source, kind, is_aggregate, model, status, start_time, created_at, otel_trace_id, otel_span_id)
     VALUES (?, 'native', 'llm', 0, 'gpt-4o', 'ok', ?, 0, ?, ?)`,
  );
  const now = Date.now();
  const old = now - 40 * 86_400_000;
  const chunk = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const expired = i < n / 2;
      insert.run(randomUUID(), (expired ? old : now - 3_600_000) + i, i.toString(16).padStart(32, '0'), '1'.padStart(16, '0'));
    }
  });
  for (let i = 0; i < n; i += 10_000) chunk(i, Math.min(n, i + 10_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** 4. native: single-event POST /api/v1/traces over keep-alive connections. */
export async function native(ctx) {
  return withOct(ctx, 'native', async (oct) => {
    // A wrong Content-Type: 415 where the route exists (and nothing is stored), 404 where it does not.
    const probe = await fetch(`${oct.url}/api/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'probe' });
    await probe.text();
    if (probe.status === 404) return { skipped: 'POST /api/v1/traces answers 404' };
    const c0 = cpuSeconds(oct.pid);
    const w = await runWrk({
      url: oct.url,
      urlPath: '/api/v1/traces',
      contentType: 'application/json',
      secs: ctx.cfg.nativeSecs,
      conns: 4,
      bodyFile: ctx.payloads.native.file,
    });
    const check = await verify(ctx, 'native', oct, { clientOk: w.ok, perRequest: 1, inFlight: 4 });
    const cpu = cpuSeconds(oct.pid) - c0;
    return {
      secs: round(w.secs, 2),
      posts_ok: w.ok,
      posts_503: w.refused,
      posts_other: w.other + w.socket_errors + w.timeouts,
      posts_per_s: round(w.ok / w.secs),
      p50_ms: round(w.p50_us / 1000, 2),
      p99_ms: round(w.p99_us / 1000, 2),
      oct_cores: round(cpu / w.secs, 2),
      cpu_s_per_1k: w.ok ? round((cpu / w.ok) * 1000, 4) : null,
      wrk_cores: round(w.wrk_cpu_s / w.secs, 2),
      peak_rss_mib: round(peakRssMiB(oct.pid)),
      ...check,
    };
  });
}

/** 5. overload: content with 16 connections; 503s are expected, memory must stay flat. */
export async function overload(ctx) {
  const { spans } = ctx.payloads.content.pb[0];
  return withOct(ctx, 'overload', async (oct) => {
    const c0 = cpuSeconds(oct.pid);
    const rss = sampleRss(oct.pid, 250);
    const w = await runWrk({
      url: oct.url,
      secs: ctx.cfg.overloadSecs,
      conns: 16,
      manifest: ctx.manifests.content,
      stampBase: nextStampBase(),
    });
    const samples = rss.stop();
    const check = await verify(ctx, 'overload', oct, { clientOk: w.ok, perRequest: spans, inFlight: 16 });
    const cpu = cpuSeconds(oct.pid) - c0;
    // Bounded = no upward trend: the first third is warm-up (heap and page cache filling up); the
    // last third must peak no higher than 1.2× the middle third.
    const third = Math.max(1, Math.floor(samples.length / 3));
    const peakOf = (xs) => xs.reduce((m, s) => Math.max(m, s.rss), 0);
    const early = peakOf(samples.slice(third, 2 * third)),
      late = peakOf(samples.slice(-third));
    return {
      ...wrkFigures(w, spans, cpu),
      peak_rss_mib: round(peakRssMiB(oct.pid)),
      rss_middle_mib: round(early),
      rss_late_mib: round(late),
      rss_late_over_middle: round(late / early, 2),
      rss_bounded: late <= 1.2 * early,
      ...check,
    };
  });
}

/** Content as OTLP/JSON and gzip protobuf next to plain protobuf (Node sender, each body once). */
export async function variants(ctx) {
  const { spans } = ctx.payloads.content.pb[0];
  const list = {
    protobuf: { bodies: ctx.payloads.content.pb, stampKind: 'bin', contentType: 'application/x-protobuf' },
    json: { bodies: ctx.payloads.content.json, stampKind: 'hex', contentType: 'application/json' },
    gzip: { bodies: ctx.payloads.content.pb, stampKind: 'bin', contentType: 'application/x-protobuf', gzip: true },
  };
  return withOct(ctx, 'variants', async (oct) => {
    const out = {};
    let expected = 0;
    for (const [name, v] of Object.entries(list)) {
      const c0 = cpuSeconds(oct.pid);
      const g = await runNodeLoad({
        mode: 'closed',
        url: oct.url,
        conns: 4,
        count: ctx.cfg.variantRequests,
        maxSecs: ctx.cfg.variantMaxSecs,
        stampBase: nextStampBase(),
        ...v,
      });
      await waitDrained(oct);
      const ok = g.statuses['200'] ?? 0;
      expected += ok;
      const cpu = cpuSeconds(oct.pid) - c0;
      out[name] = {
        body_kib: round(g.avg_body_bytes / 1024),
        requests_ok: ok,
        requests_503: g.statuses['503'] ?? 0,
        spans_per_s: round((ok * spans) / g.secs),
        cpu_s_per_1k: ok ? round((cpu / (ok * spans)) * 1000, 4) : null,
        p50_ms: round(g.latency_ms.p50, 1),
        generator_cores: round(g.generator_cpu_s / g.secs, 2),
        generator_cpu_ms_per_req: round((g.generator_cpu_s * 1000) / g.latency_ms.n, 2),
      };
    }
    return { ...out, ...(await verify(ctx, 'variants', oct, { clientOk: expected, perRequest: spans })) };
  });
}

/** One ceilings.js kind in its own process, on a fresh database; its JSON line or `{ unavailable }`. */
async function runCeiling(ctx, kind, options) {
  const dbPath = path.join(ctx.tmp, `ceiling-${kind}-${ctx.run}.db`);
  removeDb(dbPath);
  const child = track(
    spawn(process.execPath, [path.join(HERE, 'ceilings.js'), JSON.stringify({ kind, repo: REPO, dbPath, ...options })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let text = '',
    err = '';
  child.stdout.on('data', (d) => {
    text += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const code = await new Promise((r) => child.on('exit', r));
  removeDb(dbPath);
  let out;
  try {
    out = JSON.parse(text.trim().split('\n').at(-1));
  } catch {
    out = { unavailable: `exit ${code}: ${err.trim().split('\n').at(-1)}` };
  }
  // A missing ceiling leaves its ratios blank: that is a failed bench, not a quiet dash.
  if (out.unavailable) ctx.failures.push(`ceiling ${kind} (run ${ctx.run}) unavailable: ${out.unavailable}`);
  return out;
}

/** In-process ceilings (ceilings.js), each in its own process. */
export async function ceilings(ctx) {
  const out = {};
  for (const kind of ['insert-raw', 'insert-oct', 'decode']) {
    const requests = kind === 'decode' ? ctx.cfg.decodeRequests : ctx.cfg.insertRequests;
    out[kind] = await runCeiling(ctx, kind, { bodies: ctx.payloads.content, requests });
  }
  return out;
}

/** What each random key costs the writer per row at a table of `indexRows` testbed rows (ceilings.js index-cost). */
export function indexCost(ctx) {
  return runCeiling(ctx, 'index-cost', { bodies: ctx.payloads.testbed, prefillRows: ctx.cfg.indexRows, timedRows: ctx.cfg.indexTimedRows });
}
