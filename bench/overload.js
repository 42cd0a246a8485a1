// Delivery under overload with real exporters: node bench/overload.js [--exporters 8] [--burst-s 5] [--sustained-s 20] [--t SPANS_PER_S] [--oct dist/main.js]
// 8 OpenTelemetry JS SDK pipelines (BatchSpanProcessor defaults → OTLPTraceExporter, http/protobuf)
// in this process record GenAI spans against a separate oct. First the spans oct can store per
// second (T) is measured under saturation (or given: --t, to compare two builds at the same load); then, each on a fresh oct, a burst (2 T for --burst-s,
// then idle) and a sustained 2 T overload. Delivered = rows stored / spans recorded; the rest was
// dropped in the SDK (its queue of 2048 full, or its retries given up) — oct loses nothing it acknowledged.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { diag, DiagLogLevel, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { REPO } from './oct-process.js';

const arg = (flag, fallback) => {
  const i = process.argv.indexOf(flag);
  return i < 0 ? fallback : process.argv[i + 1];
};
const EXPORTERS = Number(arg('--exporters', '8'));
const BURST_S = Number(arg('--burst-s', '5'));
const SUSTAINED_S = Number(arg('--sustained-s', '20'));
const OCT = path.resolve(arg('--oct', path.join(REPO, 'dist/main.js')));
/** Extra settings for oct: --env OCT_ADMISSION_WAIT_MS=5000,OCT_QUEUE_CAPACITY=1024 */
const OCT_ENV = Object.fromEntries(
  (arg('--env', '') || '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=')),
);
const ONLY = arg('--only', 'burst,sustained').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The SDK's own complaints (dropped spans, failed exports) are counted, not printed.
const sdk = { dropped: 0, failed: 0 };
diag.setLogger(
  {
    warn: (m) => {
      const d = /Dropped (\d+) spans/.exec(m);
      if (d) sdk.dropped += Number(d[1]);
    },
    error: () => sdk.failed++,
    info: () => {},
    debug: () => {},
    verbose: () => {},
  },
  DiagLogLevel.WARN,
);

async function startOct() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-overload-'));
  const dbPath = path.join(dir, 'oct.db');
  const env = { ...process.env, OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DB_PATH: dbPath, OCT_LOG_LEVEL: 'info', ...OCT_ENV };
  const child = spawn(process.execPath, [OCT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/[^\s,]+)/.exec(log);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`oct exited with ${code}:\n${log}`)));
  });
  return {
    url,
    health: async () => (await fetch(`${url}/healthz`)).json(),
    rows: () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db.prepare('SELECT count(*) AS n FROM traces').get().n;
      } finally {
        db.close();
      }
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pipelines(url) {
  return Array.from({ length: EXPORTERS }, (_, i) => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
    });
    return { provider, tracer: provider.getTracer(`overload-${i}`) };
  });
}

function recordSpan(tracer, n) {
  const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT });
  span.setAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 100 + (n % 900),
    'gen_ai.usage.output_tokens': 20 + (n % 300),
  });
  span.end();
}

/** Records `perSecond` spans a second for `seconds`, spread over the pipelines in 10 ms ticks; returns how many. */
async function produce(all, perSecond, seconds) {
  const t0 = performance.now();
  let made = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
    for (; made < due; made++) recordSpan(all[made % all.length].tracer, made);
    await sleep(10);
  }
  return made;
}

/** The spans a second oct stores while 8 pipelines offer more than it can take. */
async function throughput() {
  const oct = await startOct();
  const all = pipelines(oct.url);
  const producing = produce(all, 200_000, 6);
  await sleep(2_000);
  const a = (await oct.health()).pipeline.persisted;
  const t = performance.now();
  await sleep(3_000);
  const rate = (((await oct.health()).pipeline.persisted - a) * 1000) / (performance.now() - t);
  await producing;
  await Promise.all(all.map((p) => p.provider.shutdown().catch(() => {})));
  await oct.stop();
  return Math.round(rate);
}

/** Offers `perSecond` for `seconds`, then lets every SDK finish (flush and retries), and counts what was stored. */
async function delivery(name, perSecond, seconds) {
  const oct = await startOct();
  const all = pipelines(oct.url);
  sdk.dropped = 0;
  sdk.failed = 0;
  const made = await produce(all, perSecond, seconds);
  // forceFlush exports what each SDK still holds; an export and its retries end within 10 s.
  await Promise.all(all.map((p) => p.provider.forceFlush().catch(() => {})));
  await Promise.all(all.map((p) => p.provider.shutdown().catch(() => {})));
  for (let h = await oct.health(); h.pipeline.pending > 0; h = await oct.health()) await sleep(100);
  const h = await oct.health();
  const rows = oct.rows();
  await oct.stop();
  return {
    name,
    offered: made,
    stored: rows,
    delivered: ((100 * rows) / made).toFixed(1),
    refusedSpans: h.receiver.otlp_spans_refused,
    failedRequests: h.receiver.otlp_requests_failed,
    sdkDropped: sdk.dropped,
    sdkFailedExports: sdk.failed,
  };
}

const t = Number(arg('--t', 0)) || (await throughput());
console.log(
  `T = ${t} spans/s${arg('--t', '') ? ' (given)' : ' (what oct stored under saturation)'} (${EXPORTERS} SDK exporters; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
);
const rows = [];
if (ONLY.includes('burst')) rows.push(await delivery(`burst: 2 T for ${BURST_S} s, then idle`, 2 * t, BURST_S));
if (ONLY.includes('sustained')) rows.push(await delivery(`sustained: 2 T for ${SUSTAINED_S} s`, 2 * t, SUSTAINED_S));
// What the SDKs can hold while oct writes T a second: each queue (2048) plus the batch it is exporting (512).
const sdkHeld = EXPORTERS * (2048 + 512);
console.log(
  `at most deliverable with the SDK defaults: burst ${Math.min(100, (100 * (BURST_S * t + sdkHeld)) / (2 * BURST_S * t)).toFixed(1)} %, sustained ${Math.min(100, (100 * (SUSTAINED_S * t + sdkHeld)) / (2 * SUSTAINED_S * t)).toFixed(1)} % (oct's queue and waiting room add a little)`,
);
console.log(
  '| load | spans offered | stored | delivered % | spans refused by oct (503, retried) | failed requests | dropped in the SDK queue | exports the SDK gave up |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.offered} | ${r.stored} | ${r.delivered} | ${r.refusedSpans} | ${r.failedRequests} | ${r.sdkDropped} | ${r.sdkFailedExports} |`,
  );
