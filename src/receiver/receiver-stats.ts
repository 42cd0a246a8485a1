/** Receiver counters shown on `/healthz`, named after the Collector's receiver metrics. */
export interface ReceiverStats {
  /** Spans in decoded OTLP requests. */
  otlp_spans_received: number;
  /** Spans admitted to the pipeline (GenAI rows and error rows were queued for them). */
  otlp_spans_accepted: number;
  /** Spans of requests refused with 503/413 because the queue could not take them. */
  otlp_spans_refused: number;
  /** Spans rejected one by one for invalid ids (reported through partial_success). */
  otlp_spans_rejected: number;
  /** Valid non-GenAI spans that produced no traces row. */
  otlp_spans_ignored: number;
  /** Log records in decoded OTLP logs requests. */
  otlp_logs_received: number;
  /** Log records admitted to the pipeline: GenAI content, and ignored records (which add no event). */
  otlp_logs_accepted: number;
  /** Log records of requests refused with 503/413 because the queue could not take them. */
  otlp_logs_refused: number;
  /** GenAI log records rejected for invalid trace/span ids (reported through partial_success). */
  otlp_logs_rejected: number;
  /** Log records that are not GenAI content (or GenAI records with no content to store). */
  otlp_logs_ignored: number;
  /** OTLP requests (traces and logs) answered with a 4xx/5xx. */
  otlp_requests_failed: number;
  /** Native items admitted, and native requests answered with a 4xx/5xx. */
  native_items_accepted: number;
  native_requests_failed: number;
  /** Read API requests answered with a 4xx/5xx. */
  read_requests_failed: number;
}

export function newReceiverStats(): ReceiverStats {
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
    otlp_requests_failed: 0,
    native_items_accepted: 0,
    native_requests_failed: 0,
    read_requests_failed: 0,
  };
}
