import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../src/health.js';
import { HISTOGRAMS, METRICS } from '../../src/metrics/metric-table.js';
import { startOct, type RunningOct } from '../helpers.js';
import { CONVERSATION, chatSpan, logRecord, logsRequest, post as postOtlp, tracesRequest } from '../logs-fixture.js';
import { chatSpans, rawClient, TRACE_PATH } from '../receiver/grpc/grpc-client.js';
import { post } from '../receiver/native/native-fixture.js';

const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** `name{a="x",b="y"} value` lines of the exposition text, keyed by name and sorted labels. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    series.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return series;
}

const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')}}`;

async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: await res.text(), health: (await (await fetch(`${url}/healthz`)).json()) as Health };
}

/** Traffic of every kind: OTLP/HTTP traces and logs, OTLP/gRPC, native, metrics, and requests refused and rejected. */
async function mixedTraffic(oct: RunningOct) {
  const nonGenAi = { ...chatSpan(3), name: 'GET /', attributes: [] };
  const badId = { ...chatSpan(4), spanId: '' };
  expect((await postOtlp(oct.url, '/v1/traces', tracesRequest([chatSpan(1), chatSpan(2), nonGenAi, badId]))).status).toBe(200);
  const records = [...CONVERSATION.map((r) => logRecord({ ...r, span: 1 })), logRecord({ event: 'app.log' })];
  expect((await postOtlp(oct.url, '/v1/logs', logsRequest(records))).status).toBe(200);
  const tooMany = Array.from({ length: 25 }, (_, i) => chatSpan(100 + i));
  expect((await postOtlp(oct.url, '/v1/traces', tracesRequest(tooMany))).status).toBe(413);
  expect((await postOtlp(oct.url, '/v1/traces', '{"resourceSpans": 5}')).status).toBe(400);
  const metrics =
    '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asInt":"1"},{"asInt":"2"}]}}]}]}]}';
  expect(
    (await fetch(`${oct.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: metrics })).status,
  ).toBe(200);

  const grpc = rawClient(oct.grpcUrl!);
  await grpc.call(TRACE_PATH, chatSpans(3, { traceId: 9 }));
  await expect(grpc.call(TRACE_PATH, chatSpans(25, { traceId: 10 }))).rejects.toMatchObject({ code: 8 });
  grpc.close();

  expect((await post(oct.url, '/api/v1/traces', [{ model: 'gpt-4o' }, { model: 'gpt-4o', status: 'error' }])).status).toBe(202);
  expect((await post(oct.url, '/api/v1/errors', { message: 'boom' })).status).toBe(202);
  expect((await post(oct.url, '/api/v1/traces', { model: 'm', start_time: 1_714_564_800 })).status).toBe(400);
  expect((await fetch(`${oct.url}/api/v1/traces?limit=5000`)).status).toBe(400);

  // Everything admitted is written before the counters are compared.
  for (const deadline = performance.now() + 10_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const h = (await (await fetch(`${oct.url}/healthz`)).json()) as Health;
    if (h.pipeline.pending === 0 && h.pipeline.flushes_in_flight === 0) break;
    if (performance.now() > deadline) throw new Error('the queue did not drain');
  }
}

describe('GET /metrics', () => {
  it('shows the same numbers as /healthz after mixed traffic, with the Collector names and labels', async () => {
    const oct = await startOct({ queueCapacity: 20, batchMaxRows: 5, batchTimeoutMs: 20 });
    await mixedTraffic(oct);
    const { text, health } = await scrape(oct.url);
    const series = parse(text);

    for (const spec of METRICS) {
      for (const [labels, value] of spec.samples(health)) expect(series.get(key(spec.name, labels)), key(spec.name, labels)).toBe(value);
    }
    // The numbers themselves, not only their agreement.
    const otlp = (name: string, transport: string) => series.get(key(name, { receiver: 'otlp', transport }));
    expect(otlp('otelcol_receiver_accepted_spans_total', 'http')).toBe(3);
    expect(otlp('otelcol_receiver_accepted_spans_total', 'grpc')).toBe(3);
    expect(otlp('otelcol_receiver_refused_spans_total', 'http')).toBe(25);
    expect(otlp('otelcol_receiver_refused_spans_total', 'grpc')).toBe(25);
    expect(otlp('oct_receiver_rejected_spans_total', 'http')).toBe(1);
    expect(otlp('oct_receiver_ignored_spans_total', 'http')).toBe(1);
    expect(otlp('otelcol_receiver_accepted_log_records_total', 'http')).toBe(4);
    expect(otlp('oct_receiver_ignored_metric_points_total', 'http')).toBe(2);
    expect(otlp('oct_receiver_failed_requests_total', 'http')).toBe(2);
    expect(otlp('oct_receiver_failed_requests_total', 'grpc')).toBe(1);
    expect(series.get(key('oct_receiver_failed_requests_total', { receiver: 'native', transport: 'http' }))).toBe(1);
    expect(series.get(key('oct_receiver_failed_requests_total', { receiver: 'read', transport: 'http' }))).toBe(1);
    expect(series.get('oct_receiver_accepted_native_items_total{}')).toBe(3);
    // 2 + 3 GenAI spans and 2 native calls; 1 native error and the failed native call's error row.
    expect(series.get(key('oct_rows_written_total', { table: 'traces' }))).toBe(7);
    expect(series.get(key('oct_rows_written_total', { table: 'errors' }))).toBe(2);
    expect(series.get('oct_content_joined_records_total{}')).toBe(3);
    expect(series.get('otelcol_exporter_queue_capacity{}')).toBe(20);
    expect(series.get('oct_storage_writable{}')).toBe(1);

    // The histograms see every batch: as many as /healthz counts, all written.
    expect(series.get(`${HISTOGRAMS.batchSendSize.name}_count{}`)).toBe(health.pipeline.batches);
    expect(series.get(`${HISTOGRAMS.batchSendSize.name}_sum{}`)).toBe(health.pipeline.persisted + health.pipeline.duplicates);
    expect(series.get(`${HISTOGRAMS.batchWriteSeconds.name}_count{}`)).toBe(health.pipeline.batches);
    expect(series.get(`${HISTOGRAMS.batchWriteSeconds.name}_sum{}`)).toBeGreaterThan(0);
    // Node's default process metrics, in oct's own registry.
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(series.has(`${name}{}`), name).toBe(true);
    }
  });

  it('holds the /healthz identities README states after mixed traffic', async () => {
    const oct = await startOct({ queueCapacity: 20, batchMaxRows: 5, batchTimeoutMs: 20 });
    await mixedTraffic(oct);
    const { pipeline: p, receiver: r } = (await scrape(oct.url)).health;
    for (const counters of [r, r.otlp_transports.http, r.otlp_transports.grpc]) {
      expect(counters.otlp_spans_received).toBe(counters.otlp_spans_accepted + counters.otlp_spans_refused + counters.otlp_spans_rejected);
      expect(counters.otlp_logs_received).toBe(counters.otlp_logs_accepted + counters.otlp_logs_refused + counters.otlp_logs_rejected);
      expect(counters.otlp_spans_ignored).toBeLessThanOrEqual(counters.otlp_spans_accepted);
      expect(counters.otlp_logs_ignored).toBeLessThanOrEqual(counters.otlp_logs_accepted);
    }
    for (const name of ['otlp_spans_received', 'otlp_spans_accepted', 'otlp_spans_refused', 'otlp_requests_failed'] as const) {
      expect(r[name]).toBe(r.otlp_transports.http[name] + r.otlp_transports.grpc[name]);
    }
    expect(r.otlp_spans_refused).toBeGreaterThan(0);
    expect(r.otlp_spans_ignored).toBeGreaterThan(0);
    expect(p.received).toBe(p.enqueued + p.refused);
    expect(p.refused).toBeGreaterThan(0);
    expect(p.enqueued).toBe(p.persisted + p.failed + p.duplicates + p.lost + p.pending);
    expect(p.rows_written.traces + p.rows_written.errors).toBeLessThanOrEqual(p.persisted);
  });

  it('lists in README exactly the metrics it serves', async () => {
    const section = README.slice(README.indexOf('\n### Metrics'), README.indexOf('\n## ', README.indexOf('\n### Metrics')));
    const listed = [...section.matchAll(/^\| `([a-z_:]+)`/gm)].map((m) => m[1]);
    const served = [...METRICS.map((m) => m.name), ...Object.values(HISTOGRAMS).map((h) => h.name)];
    expect([...listed].sort()).toEqual([...served].sort());
    const oct = await startOct();
    const { text } = await scrape(oct.url);
    for (const name of served) expect(text, name).toContain(`# TYPE ${name} `);
  });
});
