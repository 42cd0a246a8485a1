import * as grpc from '@grpc/grpc-js';
import type { TlsFiles } from '../../config/access.js';
import type { Logger } from '../../logger.js';
import type { Component } from '../../pipeline/component.js';
import type { ApiKeys } from '../api-keys.js';
import type { InflightBudget } from '../inflight-budget.js';
import type { ReceiverStats } from '../receiver-stats.js';
import type { RejectionLog } from '../rejection-log.js';
import { keyInterceptor } from './key-interceptor.js';
import { exportHandler, serviceDefinition, type GrpcService } from './otlp-services.js';

export interface GrpcReceiverOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  services: GrpcService[];
  /** The largest request message, after decompression (OCT_MAX_BODY_BYTES; gRPC's own default is 4 MiB). */
  maxMessageBytes: number;
  /** How long shutdown waits for in-flight calls before cancelling them. */
  closeTimeoutMs: number;
  /** When set, every call needs one of these keys. */
  keys: ApiKeys | undefined;
  /** TLS with this certificate; plain text without. */
  tls: TlsFiles | undefined;
  stats: ReceiverStats;
  /** The in-flight budget (OCT_MAX_INFLIGHT_MB), shared with the HTTP receiver. */
  budget: InflightBudget;
  logger: Logger;
  rejections: RejectionLog;
}

/** The OTLP/gRPC server (HTTP/2, gzip-compressed messages accepted, TLS and API keys when set): the OTLP services on one port. */
export class GrpcReceiver implements Component {
  readonly #options: GrpcReceiverOptions;
  #server: grpc.Server | undefined;
  #port = 0;
  #shutdown: Promise<void> | undefined;

  constructor(options: GrpcReceiverOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { host, port, services, maxMessageBytes, keys, tls, stats, budget, logger, rejections } = this.#options;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': maxMessageBytes,
      interceptors: keys ? [keyInterceptor(keys, stats, rejections)] : [],
    });
    for (const service of services)
      server.addService(serviceDefinition(service), exportHandler(service, stats, budget, logger, rejections));
    this.#port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`,
        tls
          ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
          : grpc.ServerCredentials.createInsecure(),
        (err, bound) => (err ? reject(new Error(`OTLP/gRPC could not listen on ${host}:${port}: ${err.message}`)) : resolve(bound)),
      ),
    );
    this.#server = server;
  }

  /** The bound port (useful with port 0). */
  port(): number {
    if (!this.#server) throw new Error('the gRPC receiver is not listening');
    return this.#port;
  }

  /** Stops accepting calls and lets in-flight calls finish (up to the close timeout). Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const timer = setTimeout(() => server.forceShutdown(), this.#options.closeTimeoutMs);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(timer);
  }
}
