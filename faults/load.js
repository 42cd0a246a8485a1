// OTLP/HTTP protobuf load whose every acknowledged span can be found again in the database.
// Each request is a template of SDK-recorded spans (bench/payloads.js) stamped with a counter of
// its own in the first 4 bytes of every trace id, so a stored row names the request it came from.
import http from 'node:http';
import Database from 'better-sqlite3';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { protobufTimeOffsets, protobufTraceIdOffsets, stamp, testbedSpans } from '../bench/payloads.js';
import { sleep } from './oct.js';

// One counter for the whole run: no two requests anywhere ever carry the same ids.
let counter = 0;

/** Templates of `spans` small GenAI spans each (the Collector testbed's profile, ≈540 B per span). */
export function testbedTemplates(count = 4, spans = 100) {
  return Array.from({ length: count }, (_, i) => {
    const buf = Buffer.from(ProtobufTraceSerializer.serializeRequest(testbedSpans(spans, 7000 + i)));
    return { buf, spans, offsets: protobufTraceIdOffsets(buf), timeOffsets: protobufTimeOffsets(buf) };
  });
}

/** A request body no request has carried before, and the counter that names its spans. */
export function freshBody(template) {
  const c = ++counter;
  return { counter: c, body: stamp(template.buf, template.offsets, 'bin', c, template.timeOffsets) };
}

export const counterHex = (c) => (c >>> 0).toString(16).padStart(8, '0');

/**
 * POSTs `body` once. Resolves { status, retryAfter, error, writtenAt }: `writtenAt` is when the whole
 * request had been handed to the kernel (null if it never was), `error` the socket error if any.
 */
export function post(url, body, { agent, path = '/v1/traces', headers = {} } = {}) {
  return new Promise((resolve) => {
    let writtenAt = null;
    const req = http.request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/x-protobuf', ...headers, 'Content-Length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], raw, text: raw.toString(), writtenAt });
        });
        res.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message, writtenAt }));
      },
    );
    req.on('finish', () => (writtenAt = performance.now()));
    req.on('error', (err) => resolve({ status: 0, error: err.code ?? err.message, writtenAt }));
    req.end(body);
  });
}

/**
 * `conns` senders posting fresh bodies back to back on keep-alive connections (or, with `rps`, one
 * request every 1/rps s between them). A refused request (503, a reset) is not acknowledged; the
 * sender waits `retryMs` and goes on with a new body. Every request is recorded with its times.
 */
export function runLoad(url, templates, { conns = 8, rps = 0, retryMs = 20 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const acked = new Map(); // counter → spans
  const requests = []; // { counter, sentAt, writtenAt, answeredAt, status, error }
  const statuses = {};
  let running = true;
  let sent = 0;
  const t0 = performance.now();
  const sender = async () => {
    while (running) {
      if (rps > 0) {
        const due = t0 + (sent++ * 1000) / rps;
        if (due > performance.now()) await sleep(due - performance.now());
        if (!running) break;
      }
      const template = templates[counter % templates.length];
      const { counter: c, body } = freshBody(template);
      const sentAt = performance.now();
      const r = await post(url, body, { agent });
      const key = r.status || r.error;
      statuses[key] = (statuses[key] ?? 0) + 1;
      requests.push({ counter: c, sentAt, writtenAt: r.writtenAt, answeredAt: performance.now(), status: r.status, error: r.error });
      if (r.status === 200) acked.set(c, template.spans);
      else if (running) await sleep(retryMs);
    }
  };
  const senders = Array.from({ length: conns }, sender);
  return {
    acked,
    requests,
    statuses,
    ackedSpans: () => [...acked.values()].reduce((a, b) => a + b, 0),
    async stop() {
      running = false;
      await Promise.all(senders);
      agent.destroy();
    },
  };
}

/**
 * Compares acknowledged requests with the rows stored: `lost` acknowledged spans missing,
 * `duplicates` spans stored more than once. Only the counters' trace-id range is read, along the
 * (otel_trace_id, otel_span_id) index.
 */
export function checkStored(dbPath, acked) {
  if (acked.size === 0) return { acknowledged: 0, lost: 0, duplicates: 0 };
  const counters = [...acked.keys()];
  const lo = counterHex(Math.min(...counters));
  const hi = counterHex(Math.max(...counters));
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  let rows;
  try {
    rows = db
      .prepare(
        `SELECT substr(otel_trace_id, 1, 8) AS c, count(*) AS n, count(DISTINCT otel_trace_id || otel_span_id) AS distinct_n
         FROM traces WHERE otel_trace_id >= ? AND otel_trace_id <= ? GROUP BY c`,
      )
      .all(lo, `${hi}ffffffffffffffffffffffff`);
  } finally {
    db.close();
  }
  const stored = new Map(rows.map((r) => [r.c, r]));
  let lost = 0;
  let duplicates = 0;
  let acknowledged = 0;
  for (const [c, spans] of acked) {
    acknowledged += spans;
    const row = stored.get(counterHex(c));
    lost += Math.max(0, spans - (row?.distinct_n ?? 0));
    duplicates += row ? row.n - row.distinct_n + Math.max(0, row.distinct_n - spans) : 0;
  }
  return { acknowledged, lost, duplicates };
}

export function percentile(values, p) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
