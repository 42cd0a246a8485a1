// In-process ceilings, one kind per process: `node ceilings.js '<json options>'` prints one JSON line.
//   insert-raw  the rows oct's mapper makes from the content bodies, inserted with better-sqlite3
//               directly in 50-row transactions into oct's schema (its migrations), WAL +
//               synchronous=NORMAL, default page cache: what one thread can write, without oct's writer;
//   insert-oct  the same rows through oct's own SqliteExporter (whatever thread it writes on),
//               batches of 50 awaited one after the other;
//   decode      decode + map of the same bodies (protobuf, OTLP/JSON, gzip protobuf), spans/s.
//   index-cost  what each random key costs the writer: direct 50-row transactions on oct's own
//               connection (openDatabase: its cache and pragmas, no checkpointer) into a table of
//               `prefillRows` testbed rows, as shipped and with the UUID v4 key made time-ordered
//               and/or the (otel_trace_id, otel_span_id) index dropped; insert and commit timed apart,
//               the variants round-robin over 4 rounds (medians).
// Only the part named is timed; building the rows is not. These use oct's compiled internals
// (dist/); if they changed shape, the ceiling is reported as unavailable and the bench fails.
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { stamp, timeOffsetsOf } from './payloads.js';
import { removeDb } from './oct-process.js';
import { stats } from './report.js';
import { round } from './scenarios.js';

const o = JSON.parse(process.argv[2]);
const dist = (p) => path.join(o.repo, 'dist', p);
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function bodies(list, kind, n, base) {
  const templates = list.map((b) => {
    const buf = fs.readFileSync(b.file);
    return { ...b, buf, timeOffsets: timeOffsetsOf(buf, kind) };
  });
  return Array.from({ length: n }, (_, i) => {
    const t = templates[i % templates.length];
    return stamp(t.buf, t.offsets, kind, base + i + 1, t.timeOffsets);
  });
}

async function loadInternals() {
  const { decodeTracesProtobuf } = await import(dist('receiver/otlp/decode-traces-protobuf.js'));
  const { decodeTracesJson } = await import(dist('receiver/otlp/decode-traces-json.js'));
  const { mapTracesRequest } = await import(dist('mapping/map-traces.js'));
  if (typeof decodeTracesProtobuf !== 'function' || typeof mapTracesRequest !== 'function') throw new Error('decoder or mapper not found');
  const { mappingOptions } = await import(dist('write-path.js'));
  const { defaultConfig } = await import(dist('config/config.js'));
  const mapping = mappingOptions(defaultConfig());
  const mapPb = (buf) => mapTracesRequest(decodeTracesProtobuf(buf), mapping).events;
  return { decodeTracesProtobuf, decodeTracesJson, mapTracesRequest, mapPb, mapping };
}

/** Feeds every request's events in 50-row batches to `write(batch)`, timing only the writes. */
async function timeInserts(mapPb, write) {
  let rows = 0,
    wall = 0,
    cpu = 0;
  for (const body of bodies(o.bodies.pb, 'bin', o.requests, 0)) {
    const events = mapPb(body);
    if (events.length === 0 || !events[0].row) throw new Error('mapper produced no rows');
    for (let i = 0; i < events.length; i += 50) {
      const batch = events.slice(i, i + 50);
      const t0 = performance.now(),
        c0 = cpuNow();
      rows += await write(batch);
      wall += performance.now() - t0;
      cpu += cpuNow() - c0;
    }
  }
  return { rows, secs: wall / 1000, rows_per_s: rows / (wall / 1000), cpu_s_per_1k: (cpu / rows) * 1000 };
}

async function insertRaw() {
  const { mapPb } = await loadInternals();
  const { migrate, TRACE_COLUMNS } = await import(dist('storage/sqlite/schema.js'));
  if (typeof migrate !== 'function' || !Array.isArray(TRACE_COLUMNS)) throw new Error('schema.js has no migrate/TRACE_COLUMNS');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(o.dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO traces (${TRACE_COLUMNS.join(', ')}, created_at) VALUES (${TRACE_COLUMNS.map((c) => '@' + c).join(', ')}, ?) ON CONFLICT DO NOTHING`,
  );
  const writeBatch = db.transaction((batch) => {
    let n = 0;
    const now = Date.now();
    for (const e of batch) if (e.type === 'trace') n += insert.run(now, e.row).changes;
    return n;
  });
  const result = await timeInserts(mapPb, (batch) => writeBatch(batch));
  db.close();
  return result;
}

async function insertOct() {
  const { mapPb } = await loadInternals();
  const { SqliteExporter } = await import(dist('storage/sqlite/sqlite-exporter.js'));
  const { defaultConfig } = await import(dist('config/config.js'));
  const logger = { info() {}, warn() {}, error() {} };
  const exporter = new SqliteExporter({ ...defaultConfig(), dbPath: o.dbPath }, logger);
  await exporter.start();
  const result = await timeInserts(mapPb, async (batch) => {
    const r = await exporter.export(batch);
    if (typeof r?.persisted !== 'number') throw new Error('export() result has no persisted count');
    return r.persisted;
  });
  await exporter.shutdown();
  return result;
}

async function decode() {
  const { decodeTracesJson, mapTracesRequest, mapPb, mapping } = await loadInternals();
  const pb = bodies(o.bodies.pb, 'bin', o.requests, 0);
  const json = bodies(o.bodies.json, 'hex', Math.min(o.requests, 32), 0);
  const gz = pb.slice(0, 32).map((b) => zlib.gzipSync(b));
  const variants = {
    protobuf: [pb, mapPb],
    json: [json, (b) => mapTracesRequest(decodeTracesJson(b), mapping).events],
    gzip: [gz, (b) => mapPb(zlib.gunzipSync(b))],
  };
  const out = {};
  for (const [name, [list, fn]] of Object.entries(variants)) {
    for (let i = 0; i < 5; i++) fn(list[i % list.length]); // warm-up (JIT)
    let spans = 0;
    const t0 = performance.now(),
      c0 = cpuNow();
    for (let pass = 0; pass < Math.ceil(o.requests / list.length); pass++) for (const b of list) spans += fn(b).length;
    const secs = (performance.now() - t0) / 1000;
    out[name] = { spans, secs, spans_per_s: spans / secs, cpu_s_per_1k: ((cpuNow() - c0) / spans) * 1000 };
  }
  return out;
}

const INDEX_VARIANTS = [
  { variant: 'as shipped', timeOrderedId: false, drop: [] },
  { variant: 'trace_id time-ordered (UUIDv7 layout)', timeOrderedId: true, drop: [] },
  { variant: 'without the (otel_trace_id, otel_span_id) index', timeOrderedId: false, drop: ['traces_otel_span'] },
  { variant: 'both: time-ordered trace_id, no otel index', timeOrderedId: true, drop: ['traces_otel_span'] },
];

/** A UUID with the row's start time (ms) in its first 48 bits, as UUIDv7 lays it out. */
function timeOrderedUuid(ms) {
  const t = ms.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8)}-7${randomUUID().slice(15)}`;
}

async function indexCost() {
  const { mapPb } = await loadInternals();
  const { openDatabase } = await import(dist('storage/sqlite/open-database.js'));
  const { INSERT_TRACE } = await import(dist('storage/sqlite/schema.js'));
  if (typeof openDatabase !== 'function' || typeof INSERT_TRACE !== 'string') throw new Error('open-database.js/schema.js changed shape');
  const templates = bodies(o.bodies.pb, 'bin', o.bodies.pb.length, 0)
    .flatMap(mapPb)
    .filter((e) => e.type === 'trace')
    .map((e) => e.row);
  if (templates.length === 0) throw new Error('mapper produced no trace rows');
  const start = Date.now() - 86_400_000;
  // Fresh OTel ids and times per row, as distinct spans arriving in time order would have.
  const rowAt = (i, timeOrderedId) => {
    const t = templates[i % templates.length];
    const startTime = start + Math.floor(i / 10);
    return {
      ...t,
      trace_id: timeOrderedId ? timeOrderedUuid(startTime) : randomUUID(),
      otel_trace_id: randomBytes(16).toString('hex'),
      otel_span_id: randomBytes(8).toString('hex'),
      otel_parent_span_id: null,
      start_time: startTime,
      end_time: t.end_time === null ? null : startTime + (t.end_time - t.start_time),
    };
  };
  const ROUNDS = 4;
  const perRound = Math.ceil(o.timedRows / ROUNDS);
  const dbs = INDEX_VARIANTS.map((v, k) => {
    const file = `${o.dbPath}.${k}`;
    removeDb(file);
    const db = openDatabase(file);
    for (const name of v.drop) db.exec(`DROP INDEX ${name}`);
    const insert = db.prepare(INSERT_TRACE);
    const fill = db.transaction((from, to) => {
      for (let i = from; i < to; i++) insert.run(rowAt(i, v.timeOrderedId));
    });
    for (let i = 0; i < o.prefillRows; i += 5000) fill(i, Math.min(o.prefillRows, i + 5000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { v, file, db, insert, begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rounds: [], commits: 0 };
  });
  // Round-robin, so a slow moment of a shared machine falls on every variant alike: each round
  // times `perRound` fresh rows per variant, and a variant's figures are its medians over the rounds.
  for (let round = 0; round < ROUNDS; round++) {
    for (const d of dbs) {
      const first = o.prefillRows + round * perRound;
      const rows = Array.from({ length: perRound }, (_, i) => rowAt(first + i, d.v.timeOrderedId));
      let insertMs = 0,
        commitMs = 0;
      for (let i = 0; i < rows.length; i += 50) {
        d.begin.run();
        const t0 = performance.now();
        for (let j = i; j < Math.min(rows.length, i + 50); j++) d.insert.run(rows[j]);
        const t1 = performance.now();
        d.commit.run();
        commitMs += performance.now() - t1;
        insertMs += t1 - t0;
        d.commits++;
      }
      d.rounds.push({ insert: (insertMs * 1000) / rows.length, commit: (commitMs * 1000) / rows.length });
    }
  }
  const median = (xs) => round(stats(xs).median, 1);
  const out = dbs.map((d) => {
    const pageBytes = d.db.pragma('page_size', { simple: true }) + 24;
    const frames = fs.statSync(d.file + '-wal').size / pageBytes / d.commits;
    const count = d.db.prepare('SELECT count(*) AS n FROM traces').get().n;
    d.db.close();
    removeDb(d.file);
    if (count !== o.prefillRows + ROUNDS * perRound)
      throw new Error(`${d.v.variant}: ${count} rows, expected ${o.prefillRows + ROUNDS * perRound}`);
    return {
      variant: d.v.variant,
      us_per_row: median(d.rounds.map((r) => r.insert + r.commit)),
      insert_us: median(d.rounds.map((r) => r.insert)),
      commit_us: median(d.rounds.map((r) => r.commit)),
      wal_pages_per_commit: round(frames, 1),
    };
  });
  return { table_rows: o.prefillRows, timed_rows: ROUNDS * perRound, rounds: ROUNDS, variants: out };
}

let result;
try {
  result = await { 'insert-raw': insertRaw, 'insert-oct': insertOct, decode, 'index-cost': indexCost }[o.kind]();
} catch (err) {
  result = { unavailable: `${err.message}`.split('\n')[0] };
}
process.stdout.write(JSON.stringify({ kind: o.kind, ...result }) + '\n');
// A failed run may leave the exporter's writer thread alive; the figure is out, so end here.
process.exit(0);
