import type { Health } from '../health.js';
import type { OtlpStats, Transport } from '../receiver/receiver-stats.js';

/** One series' labels and value. */
export type Sample = [labels: Record<string, string>, value: number];

/**
 * One metric `/metrics` shows, read from the same `/healthz` snapshot at each scrape, so the two
 * cannot disagree. `samples` returns no sample when the snapshot does not know the value yet (the
 * writer's first size report) or the storage engine has no such thing.
 */
export interface MetricSpec {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  labels: readonly string[];
  samples: (health: Health) => Sample[];
}

/** The two histograms, observed as batches are flushed and written (the only metrics not on /healthz). */
export const HISTOGRAMS = {
  batchSendSize: {
    name: 'otelcol_processor_batch_batch_send_size',
    help: 'Events per batch handed to the exporter',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
  },
  batchWriteSeconds: {
    name: 'oct_batch_write_seconds',
    help: "Seconds of each batch's write transaction (the attempt that succeeded)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
} as const;

const TRANSPORTS: readonly Transport[] = ['http', 'grpc'];

/** An OTLP receiver counter per transport, labelled as the Collector labels its receivers. */
const otlp = (name: string, counter: keyof OtlpStats, help: string): MetricSpec => ({
  name,
  type: 'counter',
  help,
  labels: ['receiver', 'transport'],
  samples: (h) => TRANSPORTS.map((t) => [{ receiver: 'otlp', transport: t }, h.receiver.otlp_transports[t][counter]]),
});

const counter = (name: string, help: string, value: (h: Health) => number): MetricSpec => ({
  name,
  type: 'counter',
  help,
  labels: [],
  samples: (h) => [[{}, value(h)]],
});

const gauge = (name: string, help: string, value: (h: Health) => number | undefined): MetricSpec => ({
  name,
  type: 'gauge',
  help,
  labels: [],
  samples: (h) => {
    const v = value(h);
    return v === undefined ? [] : [[{}, v]];
  },
});

/** The SQLite storage's fields, or undefined on PostgreSQL. */
const sqlite = (h: Health) => ('engine' in h.storage ? undefined : h.storage);

export const METRICS: readonly MetricSpec[] = [
  otlp('otelcol_receiver_accepted_spans_total', 'otlp_spans_accepted', 'Spans admitted to the pipeline'),
  otlp('otelcol_receiver_refused_spans_total', 'otlp_spans_refused', 'Spans of requests refused (503/413, UNAVAILABLE/RESOURCE_EXHAUSTED)'),
  otlp('otelcol_receiver_accepted_log_records_total', 'otlp_logs_accepted', 'Log records admitted to the pipeline (ignored ones included)'),
  otlp('otelcol_receiver_refused_log_records_total', 'otlp_logs_refused', 'Log records of requests refused'),
  otlp('oct_receiver_received_spans_total', 'otlp_spans_received', 'Spans in decoded OTLP requests'),
  otlp('oct_receiver_rejected_spans_total', 'otlp_spans_rejected', 'Spans rejected one by one for invalid ids (partial_success)'),
  otlp('oct_receiver_ignored_spans_total', 'otlp_spans_ignored', 'Valid non-GenAI spans that produced no traces row'),
  otlp('oct_receiver_received_log_records_total', 'otlp_logs_received', 'Log records in decoded OTLP requests'),
  otlp('oct_receiver_rejected_log_records_total', 'otlp_logs_rejected', 'GenAI log records rejected for invalid ids (partial_success)'),
  otlp('oct_receiver_ignored_log_records_total', 'otlp_logs_ignored', 'Log records that are not GenAI content'),
  otlp('oct_receiver_ignored_metric_points_total', 'otlp_metric_points_ignored', 'Metric data points received and dropped'),
  {
    name: 'oct_receiver_failed_requests_total',
    type: 'counter',
    help: 'Requests answered with an error (4xx/5xx, or a gRPC error)',
    labels: ['receiver', 'transport'],
    samples: (h) => [
      ...TRANSPORTS.map((t): Sample => [{ receiver: 'otlp', transport: t }, h.receiver.otlp_transports[t].otlp_requests_failed]),
      [{ receiver: 'native', transport: 'http' }, h.receiver.native_requests_failed],
      [{ receiver: 'read', transport: 'http' }, h.receiver.read_requests_failed],
    ],
  },
  counter('oct_receiver_accepted_native_items_total', 'Native trace and error items admitted', (h) => h.receiver.native_items_accepted),
  counter(
    'oct_receiver_unauthenticated_requests_total',
    'HTTP requests and gRPC calls refused for a missing or wrong API key',
    (h) => h.receiver.unauthenticated_requests,
  ),
  counter(
    'oct_receiver_wrong_host_requests_total',
    'HTTP requests refused because their Host names no loopback address (DNS rebinding)',
    (h) => h.receiver.wrong_host_requests,
  ),
  counter(
    'oct_receiver_refused_connections_total',
    'HTTP connections closed on arrival past OCT_MAX_CONNECTIONS',
    (h) => h.receiver.http_connections_refused,
  ),

  counter(
    'oct_pipeline_received_events_total',
    'Events offered to the pipeline (received = enqueued + refused)',
    (h) => h.pipeline.received,
  ),
  counter('oct_pipeline_enqueued_events_total', 'Events admitted to the queue', (h) => h.pipeline.enqueued),
  counter(
    'oct_pipeline_refused_events_total',
    'Events refused: queue full, storage refusing writes, shutting down',
    (h) => h.pipeline.refused,
  ),
  counter('oct_admission_waits_total', 'Requests that waited for room in a full queue', (h) => h.pipeline.waited_requests),
  gauge('oct_admission_waiting_requests', 'Requests waiting for room now', (h) => h.pipeline.waiting_requests),
  gauge('oct_admission_waiting_events', 'Events of the requests waiting for room now', (h) => h.pipeline.waiting_events),
  gauge('oct_inflight_bytes', 'Bytes reserved now by requests in flight (OCT_MAX_INFLIGHT_MB budget)', (h) => h.receiver.inflight.bytes),
  gauge('oct_inflight_max_bytes', 'The in-flight budget in bytes (OCT_MAX_INFLIGHT_MB)', (h) => h.receiver.inflight.max_bytes),
  counter(
    'oct_inflight_refused_requests_total',
    'Requests refused because their bytes did not fit the in-flight budget',
    (h) => h.receiver.inflight.refused_requests,
  ),
  gauge('otelcol_exporter_queue_size', 'Events admitted and not yet written', (h) => h.pipeline.pending),
  gauge('otelcol_exporter_queue_capacity', 'Events the queue holds at most (OCT_QUEUE_CAPACITY)', (h) => h.pipeline.capacity),
  counter(
    'otelcol_processor_batch_batch_size_trigger_send_total',
    'Batches flushed because they were full',
    (h) => h.pipeline.size_triggered,
  ),
  counter('otelcol_processor_batch_timeout_trigger_send_total', 'Batches flushed by their timer', (h) => h.pipeline.timeout_triggered),
  gauge('oct_batches_in_flight', 'Batches handed to the writer and not yet written', (h) => h.pipeline.flushes_in_flight),
  counter('otelcol_exporter_sent_spans_total', 'Events written (rows, and content records stored or joined)', (h) => h.pipeline.persisted),
  counter('otelcol_exporter_send_failed_spans_total', 'Rows the database refused (failed rows)', (h) => h.pipeline.failed),
  counter('oct_duplicate_rows_total', 'Events already stored (a retried export of the same span)', (h) => h.pipeline.duplicates),
  counter('oct_lost_events_total', 'Events still held when a shutdown timed out', (h) => h.pipeline.lost),
  {
    name: 'oct_rows_written_total',
    type: 'counter',
    help: 'Rows written by trace and error events, per table',
    labels: ['table'],
    samples: (h) => [
      [{ table: 'traces' }, h.pipeline.rows_written.traces],
      [{ table: 'errors' }, h.pipeline.rows_written.errors],
    ],
  },

  gauge('oct_content_pending_records', 'GenAI log records waiting for their span', (h) => h.content.pending),
  counter('oct_content_joined_records_total', "GenAI log records joined into their span's row", (h) => h.content.joined),
  counter('oct_content_superseded_records_total', 'GenAI log records not used: the span had its own text', (h) => h.content.superseded),
  counter('oct_content_expired_records_total', 'GenAI log records dropped: their span did not arrive in time', (h) => h.content.expired),

  gauge('oct_storage_writable', '1 while the storage takes writes, 0 while the disk guard (or PostgreSQL) refuses them', (h) =>
    h.storage.writable ? 1 : 0,
  ),
  gauge(
    'oct_database_bytes',
    "Pages in use × page size (PostgreSQL: its tables' size as of the last retention pass)",
    (h) => h.storage.database_bytes ?? undefined,
  ),
  gauge('oct_database_free_pages', 'Free pages in the database file', (h) => sqlite(h)?.free_pages),
  gauge('oct_wal_bytes', 'Size of the WAL file', (h) => sqlite(h)?.wal_bytes),
  gauge('oct_free_disk_bytes', "Free space on the database's file system", (h) => sqlite(h)?.free_disk_bytes),
  {
    name: 'oct_wal_incomplete_checkpoints_total',
    type: 'counter',
    help: 'Checkpoint passes that could not copy the whole WAL (busy, or stopped by a reader)',
    labels: [],
    samples: (h) => {
      const s = sqlite(h);
      return s ? [[{}, s.wal_incomplete_checkpoints]] : [];
    },
  },
  gauge('oct_wal_pinned_seconds', "Seconds checkpoints have stopped short of the WAL's end (about the oldest snapshot's age)", (h) => {
    const s = sqlite(h);
    return s ? s.wal_pinned_ms / 1000 : undefined;
  }),
  {
    name: 'oct_retention_passes_total',
    type: 'counter',
    help: 'Retention passes completed',
    labels: [],
    samples: (h) => {
      const retention = h.storage.retention;
      return retention ? [[{}, retention.passes]] : [];
    },
  },
  {
    name: 'oct_retention_deleted_rows_total',
    type: 'counter',
    help: 'Rows deleted by retention, per table',
    labels: ['table'],
    samples: (h) => {
      const retention = h.storage.retention;
      return retention
        ? [
            [{ table: 'traces' }, retention.deleted.traces],
            [{ table: 'errors' }, retention.deleted.errors],
          ]
        : [];
    },
  },
  {
    name: 'oct_storage_retries_total',
    type: 'counter',
    help: 'PostgreSQL: batch attempts that failed and were retried',
    labels: [],
    samples: (h) => ('engine' in h.storage ? [[{}, h.storage.retries]] : []),
  },
];
