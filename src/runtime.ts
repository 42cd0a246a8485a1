import type { AddressInfo } from 'node:net';
import { apiKeysOf, isLoopback, tlsOf } from './config/access.js';
import type { Config } from './config/config.js';
import type { Health } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { Metrics } from './metrics/prometheus.js';
import type { PipelineEvent } from './model/events.js';
import type { BatchProcessor } from './pipeline/batch-processor.js';
import { ApiKeys } from './receiver/api-keys.js';
import { GrpcReceiver } from './receiver/grpc/grpc-receiver.js';
import { metricsService, signalService } from './receiver/grpc/otlp-services.js';
import { HttpReceiver, type Readiness } from './receiver/http-receiver.js';
import { loopbackHost } from './receiver/http/loopback-host.js';
import { InflightBudget } from './receiver/inflight-budget.js';
import { nativeErrors, nativeRoutes } from './receiver/native/native-routes.js';
import { CONTENT_HINT_DEFAULTS, ContentHint } from './receiver/otlp/content-hint.js';
import { LOGS_RESPONSE, TRACES_RESPONSE } from './receiver/otlp/encode-response.js';
import { signalExport } from './receiver/otlp/export-signal.js';
import { logsSignal } from './receiver/otlp/logs-signal.js';
import { otlpErrors, otlpMetricsRoute, otlpRoute } from './receiver/otlp/otlp-route.js';
import { tracesSignal } from './receiver/otlp/traces-signal.js';
import { pageRoutes } from './receiver/page/page-routes.js';
import { readRoutes } from './receiver/read/read-routes.js';
import { RejectionLog } from './receiver/rejection-log.js';
import { newReceiverStats, snapshotReceiverStats } from './receiver/receiver-stats.js';
import { createTraceReader, type TraceReader } from './query/trace-reader.js';
import { PostgresExporter } from './storage/postgres/postgres-exporter.js';
import type { SqliteExporter } from './storage/sqlite/sqlite-exporter.js';
import { createWritePath } from './write-path.js';

/**
 * Wires config → storage → pipeline → receivers (HTTP, gRPC). Data flows one way: the receivers offer
 * events to the batch processor, which hands batches to the exporter (SQLite or PostgreSQL); the
 * read API has connections of its own on the same engine.
 */
export class Runtime {
  readonly config: Config;
  readonly #logger: Logger;
  readonly #exporter: SqliteExporter | PostgresExporter;
  readonly #processor: BatchProcessor;
  readonly #receiver: HttpReceiver;
  /** Unset when OCT_GRPC_PORT is `off`. */
  readonly #grpc: GrpcReceiver | undefined;
  /** Unset when the read API is off: a non-loopback listener without keys (it would serve prompts to anyone). */
  readonly #reader: TraceReader | undefined;
  readonly #receiverStats = newReceiverStats();
  readonly #keys: ApiKeys | undefined;
  readonly #budget: InflightBudget;
  readonly #rejections: RejectionLog;
  readonly #metrics = new Metrics(() => this.health());
  /** Set once storage is open and every receiver listens. */
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(config: Config, logger: Logger = createLogger(config.logLevel)) {
    this.config = config;
    this.#logger = logger;
    this.#rejections = new RejectionLog(logger);
    const { exporter, processor, mapping } = createWritePath(config, logger);
    this.#exporter = exporter;
    this.#processor = processor;
    this.#budget = new InflightBudget(config.maxInflightMb * 1024 * 1024);
    this.#processor.observe(this.#metrics.batches);
    const defaultErrors = otlpErrors();
    const admission = {
      sink: this.#processor.admission,
      maxBodyBytes: config.maxBodyBytes,
      admissionWaitMs: config.admissionWaitMs,
      stats: this.#receiverStats,
    };
    const otlp = { ...mapping, ...admission, logger, rejections: this.#rejections };
    const hint = new ContentHint({ ...CONTENT_HINT_DEFAULTS, logsArrived: () => this.#receiverStats.otlp_logs_received > 0, logger });
    const traces = { ...tracesSignal(otlp), admitted: (events: readonly PipelineEvent[]) => hint.observe(events) };
    const logs = logsSignal(otlp);
    const closeTimeoutMs = Math.min(5_000, config.shutdownTimeoutMs);
    const keys = apiKeysOf(config);
    this.#keys = keys.length > 0 ? new ApiKeys(keys) : undefined;
    const tls = tlsOf(config);
    const loopback = isLoopback(config.host);
    this.#reader = loopback || this.#keys ? createTraceReader(config) : undefined;
    const readErrors = nativeErrors(() => this.#receiverStats.read_requests_failed++);
    // The dashboard shows what the read API answers, so it is served under the same rule.
    const reads = this.#reader ? [...readRoutes(this.#reader, readErrors), ...pageRoutes(readErrors)] : [];
    this.#receiver = new HttpReceiver({
      host: config.host,
      port: config.port,
      routes: [
        otlpRoute(traces, otlp),
        otlpRoute(logs, otlp),
        otlpMetricsRoute(otlp),
        ...nativeRoutes({
          ...admission,
          maxTextBytes: config.maxTextBytes,
          maxAttributesBytes: config.maxAttributesBytes,
          costs: mapping.costs,
        }),
        ...reads,
        metricsRoute(this.#metrics, defaultErrors),
      ],
      defaultErrors,
      health: () => this.health(),
      budget: this.#budget,
      readiness: () => this.readiness(),
      closeTimeoutMs,
      maxConnections: config.maxConnections,
      connectionRefused: () => this.#receiverStats.http_connections_refused++,
      keys: this.#keys,
      // Without keys only a loopback listener serves anyone, and then only pages addressed to loopback names.
      hostAllowed: loopback && !this.#keys ? loopbackHost(config.host) : undefined,
      corsOrigins: config.corsOrigins,
      tls,
      stats: this.#receiverStats,
      logger,
      rejections: this.#rejections,
    });
    this.#grpc =
      config.grpcPort === 'off'
        ? undefined
        : new GrpcReceiver({
            host: config.host,
            port: config.grpcPort,
            services: [
              signalService(
                'opentelemetry.proto.collector.trace.v1.TraceService',
                signalExport(traces, otlp),
                TRACES_RESPONSE,
                this.#rejections,
              ),
              signalService('opentelemetry.proto.collector.logs.v1.LogsService', signalExport(logs, otlp), LOGS_RESPONSE, this.#rejections),
              metricsService(this.#receiverStats),
            ],
            maxMessageBytes: config.maxBodyBytes,
            closeTimeoutMs,
            keys: this.#keys,
            tls,
            stats: this.#receiverStats,
            budget: this.#budget,
            logger,
            rejections: this.#rejections,
          });
  }

  /** Starts downstream first, so every stage has a running consumer before data arrives. */
  async start(): Promise<AddressInfo & { url: string; grpcPort: number | undefined }> {
    await this.#exporter.start().catch((err: unknown) => {
      throw new Error(`OCT_DB_PATH: ${(err as Error).message}`);
    });
    await this.#reader?.start();
    await this.#processor.start();
    await this.#receiver.start();
    await this.#grpc?.start();
    this.#started = true;
    const address = this.#receiver.address();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${this.config.tlsCertFile === null ? 'http' : 'https'}://${host}:${address.port}`;
    const grpcPort = this.#grpc?.port();
    const grpc = grpcPort === undefined ? 'OTLP/gRPC off' : `OTLP/gRPC on ${host}:${grpcPort}`;
    const { databaseUrl } = this.config;
    this.#logger.info(
      `listening on ${url}, ${grpc}, writing to ${databaseUrl === null ? this.config.dbPath : withoutPassword(databaseUrl)}`,
    );
    if (this.#keys) this.#logger.info("API keys set: every route but the public ones (health checks, the dashboard's files) needs one");
    else if (!isLoopback(this.config.host))
      this.#logger.warn(`OCT_AUTH=none: anyone who can reach ${this.config.host} may send data, without a key`);
    if (!this.#reader)
      this.#logger.warn(
        `read API and dashboard off: ${this.config.host} is not a loopback address and OCT_AUTH=none, so they would show stored prompts to anyone; set OCT_API_KEY to serve them behind the key`,
      );
    return { ...address, url, grpcPort };
  }

  /** Stops upstream first, so each stage drains into one that is still running. Idempotent. */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  health(): Health {
    const storage = this.#exporter instanceof PostgresExporter ? this.#exporter.storageState() : this.#exporter.storageHealth();
    return {
      status: this.#stopping ? 'stopping' : storage.writable ? 'ok' : 'refusing_writes',
      pipeline: this.#processor.stats(),
      receiver: { ...snapshotReceiverStats(this.#receiverStats), inflight: this.#budget.stats() },
      content: this.#exporter.contentStats(),
      storage,
    };
  }

  /** What `GET /readyz` answers: ready once started, not while stopping or while the storage refuses writes. */
  readiness(): Readiness {
    if (this.#stopping) return { ready: false, reason: 'oct is shutting down' };
    if (!this.#started) return { ready: false, reason: 'oct is starting' };
    const { storage } = this.health();
    if (storage.writable) return { ready: true };
    if ('engine' in storage) return { ready: false, reason: `PostgreSQL is not writable: ${storage.error ?? 'unknown error'}` };
    return { ready: false, reason: storage.reason ?? 'the database does not take writes' };
  }

  async #stop(): Promise<void> {
    const started = performance.now();
    await Promise.all([this.#receiver.shutdown(), this.#grpc?.shutdown()]);
    await this.#reader?.shutdown();
    await this.#processor.shutdown();
    await this.#exporter.shutdown();
    this.#rejections.flush();
    const s = this.#processor.stats();
    this.#logger.info(
      `stopped in ${Math.round(performance.now() - started)} ms: ${s.persisted} events persisted, ${s.duplicates} duplicates, ${s.failed} failed, ${s.lost} lost`,
    );
  }
}

/** Memory-limit refusals come in floods: the first is logged, then one line per interval with the count. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
