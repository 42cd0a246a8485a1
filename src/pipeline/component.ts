/**
 * The lifecycle every pipeline stage follows (after the OpenTelemetry Collector's component
 * contract):
 * - `start()` returns once the component can do its work; long work runs in the background.
 * - `shutdown()` stops accepting new work, hands everything it holds to the next stage, then
 *   releases its resources. It is idempotent (every call returns the same promise) and safe to
 *   call without `start()`.
 * The runtime starts downstream first (storage → pipeline → receivers) and shuts down upstream
 * first, so each stage drains into one that is still running.
 */
export interface Component {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}
