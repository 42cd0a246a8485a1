// Read API latency over a large database (1,000,000 rows in the full bench): p50/p95 of each query
// function, called through SqliteReader (reader threads, read-only connections) as the HTTP routes
// call it. The `read` scenario of `npm run bench` (bench/scenarios.js) runs it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../dist/storage/sqlite/schema.js';
import { parseErrorListParams, parseStatsParams, parseTraceListParams } from '../dist/query/params.js';
import { SqliteReader } from '../dist/query/sqlite-reader.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 31);

const MODELS = [
  ['gpt-4o', 'openai', 30],
  ['gpt-4o-mini', 'openai', 25],
  ['claude-sonnet-4', 'anthropic', 15],
  ['claude-haiku-4', 'anthropic', 10],
  ['gemini-2.5-flash', 'gcp.vertex_ai', 8],
  ['text-embedding-3-small', 'openai', 7],
  ['llama-3.1-70b', 'aws.bedrock', 4],
  ['mistral-large', 'mistral', 1],
];
const SERVICES = ['billing', 'support-bot', 'search', 'checkout', 'ingest', 'admin'];
const WORDS = 'the a order refund invoice customer account please help question answer summary shipping price plan user data report'.split(
  ' ',
);

// Deterministic, so two runs measure the same database.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const weighted = (() => {
  const total = MODELS.reduce((sum, m) => sum + m[2], 0);
  return () => {
    let r = random() * total;
    for (const m of MODELS) if ((r -= m[2]) < 0) return m;
    return MODELS[0];
  };
})();
const hex = (digits) => Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
const sentence = (words) => Array.from({ length: words }, () => pick(WORDS)).join(' ');

function build(dbPath, rows) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  migrate(db);
  const insertTrace =
    db.prepare(`INSERT INTO traces (trace_id, source, convention, kind, is_aggregate, operation, otel_trace_id, otel_span_id,
    service_name, provider, model, request_model, input_text, output_text, input_bytes, output_bytes, input_tokens, output_tokens,
    total_tokens, cache_read_tokens, cost_usd, status, error_type, finish_reasons, conversation_id, user_id, start_time, end_time,
    duration_ms, attributes, resource_attributes, created_at)
    VALUES (?, 'otlp', 'otel', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '["stop"]', ?, ?, ?, ?, ?, '{"http.route":"/chat"}', ?, ?)`);
  const insertError = db.prepare(`INSERT INTO errors (trace_id, source, origin, llm_trace_id, otel_trace_id, otel_span_id, service_name,
    error_type, message, stacktrace, occurred_at, created_at) VALUES (?, 'otlp', 'exception_event', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const started = performance.now();
  const step = (30 * DAY) / rows;
  let otelTrace = hex(32);
  const write = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const [model, provider] = weighted();
      const embedding = model.startsWith('text-embedding');
      const r = random();
      const kind = embedding ? 'embedding' : r < 0.08 ? 'tool' : r < 0.12 ? 'agent' : 'llm';
      if (kind === 'agent' || random() < 0.2) otelTrace = hex(32);
      const start = Math.round(NOW - 30 * DAY + i * step + random() * 1000);
      const duration = kind === 'tool' ? 5 + random() * 50 : 200 + random() * random() * 8000;
      const error = random() < 0.03;
      const service = SERVICES[Math.floor(random() * random() * SERVICES.length)];
      const input = sentence(20 + Math.floor(random() * 200));
      const output = kind === 'embedding' ? null : sentence(10 + Math.floor(random() * 100));
      const inTokens = Math.floor(input.length / 4);
      const outTokens = output ? Math.floor(output.length / 4) : 0;
      const id = uuid();
      const span = hex(16);
      insertTrace.run(
        id,
        kind,
        kind === 'agent' ? 1 : 0,
        kind === 'embedding' ? 'embeddings' : kind === 'tool' ? 'execute_tool' : kind === 'agent' ? 'invoke_agent' : 'chat',
        otelTrace,
        span,
        service,
        provider,
        model,
        model,
        input,
        output,
        input.length,
        output?.length ?? 0,
        inTokens,
        outTokens,
        inTokens + outTokens,
        random() < 0.3 ? Math.floor(inTokens / 2) : null,
        (inTokens + outTokens) * 2e-6,
        error ? 'error' : 'ok',
        error ? 'RateLimitError' : null,
        random() < 0.5 ? `conv-${Math.floor(random() * 50_000)}` : null,
        random() < 0.7 ? `user-${Math.floor(random() * 5_000)}` : null,
        start,
        Math.round(start + duration),
        duration,
        `{"service.name":"${service}"}`,
        start + 50,
      );
      if (error) {
        const message = `429 Rate limit reached for ${model}: ${sentence(8)}`;
        insertError.run(
          uuid(),
          id,
          otelTrace,
          span,
          service,
          'RateLimitError',
          message,
          `Error: ${message}\n    at call (app.js:1:1)`,
          start + 1,
          start + 50,
        );
      }
    }
  });
  for (let from = 0; from < rows; from += 50_000) write(from, Math.min(rows, from + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { build_secs: (performance.now() - started) / 1000, db_mib: fs.statSync(dbPath).size / 2 ** 20 };
}

/** Builds a `rows`-row database in `dir`, then times each query shape `calls` times. */
export async function readApi({ dir, rows, calls }) {
  const dbPath = path.join(dir, `read-api-${rows}.db`);
  const built = build(dbPath, rows);
  const results = [];
  const measure = async (name, n, query) => {
    const samples = [];
    let items = 0;
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const result = await query(i);
      samples.push(performance.now() - started);
      items += result?.items?.length ?? result?.rows?.length ?? (result ? 1 : 0);
    }
    samples.sort((a, b) => a - b);
    const at = (q) => +samples[Math.ceil(n * q) - 1].toFixed(2);
    results.push({ query: name, calls: n, p50_ms: at(0.5), p95_ms: at(0.95), avg_items: Math.round(items / n) });
  };
  const reader = new SqliteReader({ dbPath });
  await reader.start();
  const list = (query) => reader.listTraces(parseTraceListParams(query, NOW));
  const dayWindow = (i) => ({ since: String(NOW - ((i % 29) + 2) * DAY), until: String(NOW - ((i % 29) + 1) * DAY) });

  // Cursors and ids to visit, gathered before timing.
  const cursors = [];
  for (let page = await list({}); cursors.length < calls && page.next; page = await list({ cursor: page.next })) cursors.push(page.next);
  const sampleIds = (await list({ limit: '500', ...dayWindow(3) })).items.filter((_, i) => i % 10 === 0).map((item) => item.trace_id);

  await measure('listTraces: first page', calls, () => list({}));
  await measure('listTraces: model filter', calls, (i) => list({ model: MODELS[i % MODELS.length][0] }));
  await measure('listTraces: later page via cursor', calls, (i) => list({ cursor: cursors[i % cursors.length] }));
  await measure('listTraces: service + status=error, 1 day', calls, (i) =>
    list({ service: pick(SERVICES), status: 'error', ...dayWindow(i) }),
  );
  await measure('listTraces: user_id', calls, (i) => list({ user_id: `user-${i * 97}` }));
  await measure('listTraces: q (common word), 1 day', calls, (i) => list({ q: 'refund invoice', ...dayWindow(i) }));
  await measure('listTraces: q (no match), 1 day', calls, (i) => list({ q: 'zebra', ...dayWindow(i) }));
  await measure('listTraces: q (no match), 7-day default', Math.min(calls, 10), () => list({ q: 'zebra' }));
  await measure('getTrace', calls, (i) => reader.getTrace(sampleIds[i % sampleIds.length]));
  await measure('listErrors: first page', calls, () => reader.listErrors(parseErrorListParams({}, NOW)));
  await measure('listErrors: service filter', calls, (i) =>
    reader.listErrors(parseErrorListParams({ service: SERVICES[i % SERVICES.length] }, NOW)),
  );
  for (const group of ['', 'model', 'service', 'provider']) {
    await measure(`stats: hour, 1 day, group=${group || '-'}`, calls, () => reader.stats(parseStatsParams({ bucket: 'hour', group }, NOW)));
  }
  // Each 30-day query reads the whole month (seconds at 1M rows): two calls each keep the bench in its time budget.
  const few = Math.min(calls, 2);
  await measure('stats: all, 30 days, group=model', few, () => reader.stats(parseStatsParams({ bucket: 'all', group: 'model' }, NOW)));
  for (const group of ['', 'model', 'service', 'provider']) {
    await measure(`stats: day, 30 days, group=${group || '-'}`, few, () => reader.stats(parseStatsParams({ bucket: 'day', group }, NOW)));
  }
  await measure('stats: hour, 31 days, group=model', few, () =>
    reader.stats(parseStatsParams({ bucket: 'hour', group: 'model', since: String(NOW - 31 * DAY) }, NOW)),
  );
  // Stats have a reader thread of their own: a month-long one must not hold up lists.
  let statsRunning = true;
  const longStats = reader.stats(parseStatsParams({ bucket: 'day', group: 'model' }, NOW)).finally(() => (statsRunning = false));
  await measure('listTraces: first page, during 30-day stats', calls, () => list({}));
  results.at(-1).stats_still_running = statsRunning;
  await longStats;
  await reader.shutdown();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(dbPath + suffix, { force: true });
  return { rows, ...built, queries: results };
}
