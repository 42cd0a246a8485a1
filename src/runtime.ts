import type { AddressInfo } from 'node:net';
import { isLoopback, type Config } from './config/config.js';
import { createLogger, type Logger } from './logger.js';
import { CostCalculator } from './mapping/cost.js';
import { loadPriceTable } from './mapping/price-table.js';
import { BatchProcessor } from './pipeline/batch-processor.js';
import { HttpReceiver } from './receiver/http-receiver.js';
import { nativeErrors, nativeRoutes } from './receiver/native/native-routes.js';
import { otlpLogsRoute } from './receiver/otlp/logs-route.js';
import { otlpErrors } from './receiver/otlp/otlp-route.js';
import { otlpTracesRoute } from './receiver/otlp/traces-route.js';
import { readRoutes } from './receiver/read/read-routes.js';
import { newReceiverStats } from './receiver/receiver-stats.js';
import { TraceReader } from './query/trace-reader.js';
import { PostgresExporter } from './storage/postgres/postgres-exporter.js';
import { SqliteExporter } from './storage/sqlite/sqlite-exporter.js';

/**
 * Wires config → storage → pipeline → HTTP receiver. Data flows one way: the receiver offers
 * events to the batch processor, which hands batches to the SQLite exporter; the read API has
 * reader threads of its own.
 */
export class Runtime {
  readonly config: Config;
  readonly #logger: Logger;
  readonly #exporter: SqliteExporter | PostgresExporter;
  readonly #processor: BatchProcessor;
  readonly #receiver: HttpReceiver;
  /** Unset when the read API is off: a non-loopback listener (it would serve prompts to anyone), or PostgreSQL (it reads SQLite). */
  readonly #reader: TraceReader | undefined;
  readonly #receiverStats = newReceiverStats();
  #stopping: Promise<void> | undefined;

  constructor(config: Config, logger: Logger = createLogger(config.logLevel)) {
    this.config = config;
    this.#logger = logger;
    const content = { maxTextBytes: config.maxTextBytes, pendingContentTtlS: config.pendingContentTtlS };
    this.#exporter =
      config.databaseUrl === null
        ? new SqliteExporter({ dbPath: config.dbPath, ...content }, logger)
        : new PostgresExporter({ url: config.databaseUrl, ...content }, logger);
    this.#processor = new BatchProcessor(
      this.#exporter,
      {
        capacity: config.queueCapacity,
        maxRows: config.batchMaxRows,
        timeoutMs: config.batchTimeoutMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
      },
      logger,
    );
    const costs = new CostCalculator(loadPriceTable(config.pricingFile));
    const mapping = {
      maxTextBytes: config.maxTextBytes,
      maxAttributesBytes: config.maxAttributesBytes,
      costs,
      errorsFrom: config.errorsFrom,
    };
    const admission = {
      sink: this.#processor.admission,
      maxBodyBytes: config.maxBodyBytes,
      admissionWaitMs: config.admissionWaitMs,
      stats: this.#receiverStats,
    };
    const otlp = { ...mapping, ...admission, logger };
    this.#reader = isLoopback(config.host) && config.databaseUrl === null ? new TraceReader({ dbPath: config.dbPath }) : undefined;
    const reads = this.#reader
      ? readRoutes(
          this.#reader,
          nativeErrors(() => this.#receiverStats.read_requests_failed++),
        )
      : [];
    this.#receiver = new HttpReceiver({
      host: config.host,
      port: config.port,
      routes: [
        otlpTracesRoute(otlp),
        otlpLogsRoute(otlp),
        ...nativeRoutes({ ...admission, maxTextBytes: config.maxTextBytes, maxAttributesBytes: config.maxAttributesBytes, costs }),
        ...reads,
      ],
      defaultErrors: otlpErrors(),
      health: () => this.health(),
      closeTimeoutMs: Math.min(5_000, config.shutdownTimeoutMs),
      logger,
    });
  }

  /** Starts downstream first, so every stage has a running consumer before data arrives. */
  async start(): Promise<AddressInfo & { url: string }> {
    await this.#exporter.start();
    await this.#reader?.start();
    await this.#processor.start();
    await this.#receiver.start();
    const address = this.#receiver.address();
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    const { databaseUrl } = this.config;
    this.#logger.info(`listening on ${url}, writing to ${databaseUrl === null ? this.config.dbPath : withoutPassword(databaseUrl)}`);
    if (databaseUrl !== null)
      this.#logger.info('read API off: it reads the SQLite file; query PostgreSQL directly (README "When one machine is not enough")');
    else if (!this.#reader) this.#logger.warn(`read API off: ${this.config.host} is not a loopback address and oct has no API keys yet`);
    return { ...address, url };
  }

  /** Stops upstream first, so each stage drains into one that is still running. Idempotent. */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  health() {
    return {
      status: this.#stopping ? 'stopping' : 'ok',
      pipeline: this.#processor.stats(),
      receiver: { ...this.#receiverStats },
      content: this.#exporter.contentStats(),
      ...(this.#exporter instanceof PostgresExporter && { storage: this.#exporter.storageState() }),
    };
  }

  async #stop(): Promise<void> {
    const started = performance.now();
    await this.#receiver.shutdown();
    await this.#reader?.shutdown();
    await this.#processor.shutdown();
    await this.#exporter.shutdown();
    const s = this.#processor.stats();
    this.#logger.info(
      `stopped in ${Math.round(performance.now() - started)} ms: ${s.persisted} events persisted, ${s.duplicates} duplicates, ${s.failed} failed, ${s.lost} lost`,
    );
  }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
