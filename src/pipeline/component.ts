/**
 * Every pipeline stage's lifecycle, after the OpenTelemetry Collector's component contract. `start()` returns once the
 * stage can work. `shutdown()` stops accepting, hands what it holds to the next stage, then releases its resources; it is
 * idempotent (every call returns the same promise) and safe without `start()`. The runtime starts downstream first and
 * shuts down upstream first, so each stage drains into one that is still running.
 */
export interface Component {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}
