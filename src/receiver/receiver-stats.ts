/** The transports OTLP arrives on; `/healthz` shows the OTLP counters of each under `otlp_transports`. */
export type Transport = 'http' | 'grpc';

/** OTLP counters, named after the Collector's receiver metrics; kept in total and per transport. */
export interface OtlpStats {
  /** Spans in decoded OTLP requests. */
  otlp_spans_received: number;
  /** Spans admitted to the pipeline (GenAI rows and error rows were queued for them). */
  otlp_spans_accepted: number;
  /** Spans of requests refused (503/413, UNAVAILABLE/RESOURCE_EXHAUSTED) because the queue could not take them. */
  otlp_spans_refused: number;
  /** Spans rejected one by one for invalid ids (reported through partial_success). */
  otlp_spans_rejected: number;
  /** Valid non-GenAI spans that produced no traces row. */
  otlp_spans_ignored: number;
  /** Log records in decoded OTLP logs requests. */
  otlp_logs_received: number;
  /** Log records admitted to the pipeline: GenAI content, and ignored records (which add no event). */
  otlp_logs_accepted: number;
  /** Log records of requests refused because the queue could not take them. */
  otlp_logs_refused: number;
  /** GenAI log records rejected for invalid trace/span ids (reported through partial_success). */
  otlp_logs_rejected: number;
  /** Log records that are not GenAI content (or GenAI records with no content to store). */
  otlp_logs_ignored: number;
  /** Metric data points received and dropped: oct stores no metrics, but answers their exports. */
  otlp_metric_points_ignored: number;
  /** OTLP requests (traces, logs, metrics) answered with an error. */
  otlp_requests_failed: number;
}

/** Receiver counters shown on `/healthz`: OTLP totals over all transports, then the rest. */
export interface ReceiverStats extends OtlpStats {
  /** Native items admitted, and native requests answered with a 4xx/5xx. */
  native_items_accepted: number;
  native_requests_failed: number;
  /** Read API requests answered with a 4xx/5xx. */
  read_requests_failed: number;
  /** HTTP connections closed on arrival because OCT_MAX_CONNECTIONS were open. */
  http_connections_refused: number;
  /** HTTP requests and gRPC calls refused for a missing or wrong API key (also counted as failed by their route). */
  unauthenticated_requests: number;
  /** HTTP requests refused because their Host names no loopback address (DNS rebinding; also counted as failed). */
  wrong_host_requests: number;
  /** The OTLP counters again, split by the transport they arrived on. */
  otlp_transports: Record<Transport, OtlpStats>;
}

function newOtlpStats(): OtlpStats {
  return {
    otlp_spans_received: 0,
    otlp_spans_accepted: 0,
    otlp_spans_refused: 0,
    otlp_spans_rejected: 0,
    otlp_spans_ignored: 0,
    otlp_logs_received: 0,
    otlp_logs_accepted: 0,
    otlp_logs_refused: 0,
    otlp_logs_rejected: 0,
    otlp_logs_ignored: 0,
    otlp_metric_points_ignored: 0,
    otlp_requests_failed: 0,
  };
}

export function newReceiverStats(): ReceiverStats {
  return {
    ...newOtlpStats(),
    native_items_accepted: 0,
    native_requests_failed: 0,
    read_requests_failed: 0,
    http_connections_refused: 0,
    unauthenticated_requests: 0,
    wrong_host_requests: 0,
    otlp_transports: { http: newOtlpStats(), grpc: newOtlpStats() },
  };
}

/** Adds `n` to an OTLP counter, in the total and in the transport's own. */
export function countOtlp(stats: ReceiverStats, transport: Transport, counter: keyof OtlpStats, n = 1): void {
  stats[counter] += n;
  stats.otlp_transports[transport][counter] += n;
}

/** A copy for `/healthz`, so later requests do not change an answer being written. */
export function snapshotReceiverStats(stats: ReceiverStats): ReceiverStats {
  return { ...stats, otlp_transports: { http: { ...stats.otlp_transports.http }, grpc: { ...stats.otlp_transports.grpc } } };
}
