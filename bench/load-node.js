// Node load generator, run as its own process: `node load-node.js '<json options>'`.
// Used where wrk cannot do the job:
//   mode "rate":   a fixed request rate (open loop), per-request latency measured from the time each
//                  request was due (so a stalled server is not hidden by the generator waiting), and
//                  visibility: for every `visibilityEvery`-th request, the time from its response until
//                  its last span is readable in SQLite (polled through a read-only connection);
//                  SIGUSR2 ends it early (no more requests are sent; those in flight are awaited);
//   mode "closed": `conns` concurrent senders posting `count` pre-built bodies until each is accepted
//                  or `maxSecs` is up (a 503 is retried after 10 ms, like an SDK, only sooner); gzip bodies
//                  cannot be stamped per request, so all bodies are built before the clock starts.
// Prints "START" when the first request goes out, "END" after the last answer, then one JSON line.
import http from 'node:http';
import fs from 'node:fs';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { stamp, timeOffsetsOf } from './payloads.js';

const o = JSON.parse(process.argv[2]);
const target = new URL(o.url + (o.urlPath ?? '/v1/traces'));
const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
const templates = o.bodies.map((b) => {
  const buf = fs.readFileSync(b.file);
  return { ...b, buf, timeOffsets: timeOffsetsOf(buf, o.stampKind ?? 'bin') };
});
let next = 0;

/** The next body with fresh ids, and the ids of its last span (what becomes visible last). */
function nextBody() {
  const t = templates[next++ % templates.length];
  const counter = o.stampBase + next;
  const body = stamp(t.buf, t.offsets, o.stampKind ?? 'bin', counter, t.timeOffsets);
  const hex = (counter >>> 0).toString(16).padStart(8, '0');
  return { body, last: t.last && { traceId: hex + t.last.traceId.slice(8), spanId: t.last.spanId } };
}

function post(body, headers) {
  return new Promise((resolve) => {
    const req = http.request(target, { method: 'POST', agent, headers: { ...headers, 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) ?? null };
};

async function rateMode() {
  const headers = { 'Content-Type': o.contentType ?? 'application/x-protobuf' };
  let total = Math.round(o.rps * o.secs);
  const interval = 1000 / o.rps;
  const latencies = [];
  const statuses = {};
  const visibility = [];
  const pending = []; // { traceId, spanId, answeredAt }
  const db = o.dbPath ? new Database(o.dbPath, { readonly: true, fileMustExist: true }) : null;
  const seen = db?.prepare('SELECT 1 FROM traces WHERE otel_trace_id = ? AND otel_span_id = ?');
  const poll =
    db &&
    setInterval(() => {
      const now = performance.now();
      for (let i = pending.length - 1; i >= 0; i--) {
        if (seen.get(pending[i].traceId, pending[i].spanId)) {
          visibility.push(now - pending[i].answeredAt);
          pending.splice(i, 1);
        }
      }
    }, 2); // ±1 ms resolution on the visibility figures

  let inFlight = 0;
  const t0 = performance.now();
  process.stdout.write('START\n');
  await new Promise((resolveAll) => {
    let sent = 0;
    // Installed in the tick that prints START: a SIGUSR2 sent after START never meets Node's default (exit).
    process.once('SIGUSR2', () => {
      total = sent;
      if (inFlight === 0) resolveAll();
    });
    const tick = () => {
      // Send every request that is due (catching up after a stall instead of skipping it).
      while (sent < total && performance.now() >= t0 + sent * interval) {
        const due = t0 + sent * interval;
        const { body, last } = nextBody();
        const sample = sent % (o.visibilityEvery ?? 10) === 0 ? last : null;
        sent++;
        inFlight++;
        post(body, headers).then((status) => {
          const answeredAt = performance.now();
          latencies.push(answeredAt - due);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (sample && status >= 200 && status < 300 && db) pending.push({ ...sample, answeredAt });
          if (--inFlight === 0 && sent === total) resolveAll();
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  process.stdout.write('END\n');
  // Give the last samples up to 5 s to become visible; a sample never seen is reported, not dropped.
  const deadline = performance.now() + 5000;
  while (pending.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(poll);
  db?.close();
  return {
    mode: 'rate',
    requests: total,
    secs: elapsed,
    statuses,
    latency_ms: summary(latencies),
    visibility_ms: summary(visibility),
    never_visible: pending.length,
  };
}

async function closedMode() {
  const headers = { 'Content-Type': o.contentType ?? 'application/x-protobuf' };
  if (o.gzip) headers['Content-Encoding'] = 'gzip';
  const bodies = [];
  for (let i = 0; i < o.count; i++) {
    const { body } = nextBody();
    bodies.push(o.gzip ? zlib.gzipSync(body) : body);
  }
  const bytes = bodies.reduce((s, b) => s + b.length, 0);
  const latencies = [];
  const statuses = {};
  let i = 0;
  const t0 = performance.now();
  process.stdout.write('START\n');
  const stopAt = t0 + (o.maxSecs ?? 1e9) * 1000; // a time cap, so a slow oct cannot stall the bench
  await Promise.all(
    Array.from({ length: o.conns }, async () => {
      while (i < bodies.length && performance.now() < stopAt) {
        const body = bodies[i++];
        while (performance.now() < stopAt) {
          const start = performance.now();
          const status = await post(body, headers);
          latencies.push(performance.now() - start);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 503) break;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  process.stdout.write('END\n');
  return {
    mode: 'closed',
    bodies: bodies.length,
    secs: elapsed,
    avg_body_bytes: Math.round(bytes / bodies.length),
    statuses,
    latency_ms: summary(latencies),
  };
}

const result = o.mode === 'rate' ? await rateMode() : await closedMode();
const cpu = process.cpuUsage();
result.generator_cpu_s = (cpu.user + cpu.system) / 1e6;
process.stdout.write(JSON.stringify(result) + '\n');
agent.destroy();
