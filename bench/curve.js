// The cost curve (issue 17, target 5): oct's CPU per span as the request grows (1, 10, 100, 512
// spans of the testbed shape, OTLP protobuf) and as the table grows (0 to `curveRows` rows under a
// fixed load of 100-span requests), so per-request, per-span and per-index-level costs separate.
import path from 'node:path';
import Database from 'better-sqlite3';
import { startOct, waitDrained, removeDb } from './oct-process.js';
import { cpuSeconds, threadCpuSeconds, threadCores } from './proc-stats.js';
import { runNodeLoad, verify, nextStampBase, round } from './scenarios.js';

const WARM_UP_REQUESTS = 20;
const TABLE_POINT_SPANS = 100;

/**
 * One point: a warm-up (JIT) then `curveSpans` spans in requests of `size`, 4 connections, closed
 * loop. CPU runs from the first measured request until oct has written the last span; /proc counts
 * in 10 ms ticks, so a point needs about a second of oct's CPU to be read to 1 %.
 */
async function measure(ctx, oct, size) {
  const bodies = [ctx.payloads.curve[size]];
  const count = Math.max(1, Math.round(ctx.cfg.curveSpans / size));
  const load = (n, hooks) =>
    runNodeLoad({ mode: 'closed', url: oct.url, conns: 4, count: n, maxSecs: 120, stampBase: nextStampBase(), bodies }, hooks);
  const warm = await load(WARM_UP_REQUESTS);
  await waitDrained(oct);
  let c0, th0;
  const g = await load(count, {
    onStart: () => {
      c0 = cpuSeconds(oct.pid);
      th0 = threadCpuSeconds(oct.pid);
    },
  });
  await waitDrained(oct);
  const cpu = cpuSeconds(oct.pid) - c0;
  const threads = threadCores(th0, threadCpuSeconds(oct.pid), 1); // over 1 s: CPU seconds per thread
  const ok = g.statuses['200'] ?? 0;
  const spans = ok * size;
  const us = (s) => (spans ? round((s * 1e6) / spans, 1) : null);
  return {
    point: {
      spans_per_request: size,
      requests: ok,
      requests_503: g.statuses['503'] ?? 0,
      spans,
      cpu_s: round(cpu, 2),
      cpu_us_per_span: us(cpu),
      main_us_per_span: us(threads.main),
      writer_us_per_span: us(threads.busiest_other),
      cpu_us_per_request: ok ? round((cpu * 1e6) / ok) : null,
    },
    acknowledged: (warm.statuses['200'] ?? 0) + ok,
  };
}

/** Starts oct on `dbPath`, measures one point, checks that every acknowledged span is stored, stops oct. */
async function point(ctx, dbPath, size, rowsBefore = 0) {
  const oct = await startOct(dbPath);
  try {
    const { point: p, acknowledged } = await measure(ctx, oct, size);
    const check = await verify(ctx, `curve ${size}/request`, oct, { clientOk: acknowledged, perRequest: size, rowsBefore });
    return { ...p, rows_match: check.rows_match };
  } finally {
    const code = await oct.stop();
    if (code !== 0) ctx.failures.push(`curve: oct exited with ${code}: ${oct.log().trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/**
 * Where the cost goes as requests grow: µs per span added between neighbouring sizes, and the fixed
 * cost of a request (a 1-span request less one added span at the 1→10 rate).
 */
export function marginalCosts(points) {
  const steps = points.slice(1).map((b, i) => {
    const a = points[i];
    const perSpan = (b.cpu_us_per_request - a.cpu_us_per_request) / (b.spans_per_request - a.spans_per_request);
    return { from: a.spans_per_request, to: b.spans_per_request, us_per_added_span: round(perSpan, 1) };
  });
  const first = points[0];
  return {
    steps,
    per_request_us: steps.length ? round(first.cpu_us_per_request - steps[0].us_per_added_span * first.spans_per_request) : null,
  };
}

/**
 * Grows the table to `target` rows with copies of its newest `templateRows` rows (the last
 * point's spans): new ids, times moved to just before the oldest row, every other column as oct wrote it.
 * Plain SQL in this process while oct is stopped: ~1M rows in seconds, not minutes of load.
 */
function fillTo(dbPath, target, templateRows) {
  const db = new Database(dbPath);
  try {
    db.pragma('synchronous = OFF');
    const columns = db
      .prepare("SELECT name, type, pk FROM pragma_table_info('traces')")
      .all()
      .filter((c) => !(c.pk && c.type.toUpperCase() === 'INTEGER'))
      .map((c) => c.name);
    const hex = (bytes) => `lower(hex(randomblob(${bytes})))`;
    const uuid = `${hex(4)} || '-' || ${hex(2)} || '-4' || substr(${hex(2)}, 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || substr(${hex(2)}, 2) || '-' || ${hex(6)}`;
    const value = {
      trace_id: uuid,
      otel_trace_id: hex(16),
      otel_span_id: hex(8),
      start_time: 'start_time - @shift',
      end_time: 'end_time - @shift',
    };
    db.exec(`CREATE TEMP TABLE template AS SELECT * FROM traces ORDER BY start_time DESC LIMIT ${templateRows}`);
    const { newest, n } = db.prepare('SELECT max(start_time) AS newest, count(*) AS n FROM template').get();
    const copy = db.prepare(
      `INSERT INTO traces (${columns.join(', ')}) SELECT ${columns.map((c) => value[c] ?? c).join(', ')} FROM template LIMIT @limit`,
    );
    const count = db.prepare('SELECT count(*) AS n FROM traces');
    const oldest = db.prepare('SELECT min(start_time) AS t FROM traces');
    const t0 = performance.now();
    let rows = count.get().n;
    while (rows < target) {
      const shift = newest - oldest.get().t + 1;
      rows += db.transaction(() => copy.run({ shift, limit: Math.min(n, target - rows) }).changes)();
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { rows, secs: (performance.now() - t0) / 1000 };
  } finally {
    db.close();
  }
}

/** B-tree levels of the traces table and each of its indexes: dbstat's path of their first leaf ('/' is the root, '/000/' one below). */
function levels(dbPath) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'traces' AND type IN ('table', 'index')").all();
    const leaf = db.prepare("SELECT path FROM dbstat WHERE name = ? AND pagetype = 'leaf' LIMIT 1");
    return Object.fromEntries(names.map(({ name }) => [name, (leaf.get(name)?.path.match(/\//g) ?? []).length]));
  } finally {
    db.close();
  }
}

export async function curve(ctx) {
  const t0 = performance.now();
  const sizes = [];
  for (const size of [1, 10, 512]) {
    const dbPath = path.join(ctx.tmp, `curve-${size}.db`);
    removeDb(dbPath);
    sizes.push(await point(ctx, dbPath, size));
    removeDb(dbPath);
  }
  // The 100-span point on an empty table is also the first table point; its rows are the template.
  const dbPath = path.join(ctx.tmp, 'curve-table.db');
  removeDb(dbPath);
  const tables = [];
  let fillSecs = 0;
  for (const rows of [0, ctx.cfg.curveRows / 4, ctx.cfg.curveRows / 2, ctx.cfg.curveRows]) {
    const fill = rows ? fillTo(dbPath, rows, ctx.cfg.curveSpans) : { rows: 0, secs: 0 };
    fillSecs += fill.secs;
    const p = await point(ctx, dbPath, TABLE_POINT_SPANS, fill.rows);
    tables.push({ table_rows: fill.rows, ...p, levels: levels(dbPath) });
  }
  sizes.splice(2, 0, tables[0]);
  removeDb(dbPath);
  return {
    spans_per_point: ctx.cfg.curveSpans,
    sizes,
    marginal: marginalCosts(sizes),
    tables,
    fill_secs: round(fillSecs, 1),
    secs: round((performance.now() - t0) / 1000, 1),
  };
}
