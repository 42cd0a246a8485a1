import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Health } from '../health.js';
import type { BatchObserver } from '../pipeline/batch-processor.js';
import { HISTOGRAMS, METRICS, type MetricSpec } from './metric-table.js';

/**
 * oct's Prometheus metrics on a registry of its own (never prom-client's global one): Node's
 * default process metrics, the two batch histograms, and every counter and gauge of METRICS, set
 * from one `/healthz` snapshot taken per scrape.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #health: () => Health;
  #snapshot: Health | undefined;
  /** Observes batches as the processor flushes and writes them. */
  readonly batches: BatchObserver;

  constructor(health: () => Health) {
    this.#health = health;
    collectDefaultMetrics({ register: this.#registry });
    const registers = [this.#registry];
    const size = new Histogram({ ...HISTOGRAMS.batchSendSize, buckets: [...HISTOGRAMS.batchSendSize.buckets], registers });
    const seconds = new Histogram({ ...HISTOGRAMS.batchWriteSeconds, buckets: [...HISTOGRAMS.batchWriteSeconds.buckets], registers });
    this.batches = { flushed: (n) => size.observe(n), written: (s) => seconds.observe(s) };
    for (const spec of METRICS) this.#register(spec);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The exposition text; every METRICS value comes from the same snapshot. */
  async render(): Promise<string> {
    this.#snapshot = this.#health();
    try {
      return await this.#registry.metrics();
    } finally {
      this.#snapshot = undefined;
    }
  }

  #register(spec: MetricSpec): void {
    const samples = () => (this.#snapshot ? spec.samples(this.#snapshot) : []);
    const options = { name: spec.name, help: spec.help, labelNames: spec.labels, registers: [this.#registry] };
    if (spec.type === 'counter') {
      new Counter({
        ...options,
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        ...options,
        collect() {
          this.reset();
          for (const [labels, value] of samples()) this.set(labels, value);
        },
      });
    }
  }
}
