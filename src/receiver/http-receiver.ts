import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Logger } from '../logger.js';
import type { Component } from '../pipeline/component.js';

/** Answers a request itself (true), or declines it (false) to leave it to express. */
export type FastHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Hot routes served straight from the HTTP server, keyed by exact `METHOD /path` (the raw request
 * target, so a query string misses): express's routing costs more than the rest of a small
 * request. The router carrying them still serves the same routes in full, so whatever a fast
 * handler declines or misses is answered the same way by express.
 */
export interface FastRoutes {
  fastRoutes: ReadonlyMap<string, FastHandler>;
}

export interface HttpReceiverOptions {
  host: string;
  port: number;
  /** Route handlers, mounted in order; a router's fast routes are tried before express. */
  routers: (Router & Partial<FastRoutes>)[];
  /** Body of `GET /healthz`. */
  health: () => object;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  closeTimeoutMs: number;
  logger: Logger;
}

/** The HTTP server: every ingest route plus `/healthz` on one port. */
export class HttpReceiver implements Component {
  readonly #options: HttpReceiverOptions;
  #server: Server | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: HttpReceiverOptions) {
    this.#options = options;
  }

  /** Listens; resolves with the bound address (useful with port 0). */
  async start(): Promise<void> {
    const app = express();
    app.disable('x-powered-by');
    app.set('strict routing', true);
    app.set('case sensitive routing', true);
    app.get('/healthz', (_req: Request, res: Response) => {
      res.json(this.#options.health());
    });
    const fast = new Map<string, FastHandler>();
    for (const router of this.#options.routers) {
      app.use(router);
      for (const [route, handler] of router.fastRoutes ?? []) fast.set(route, handler);
    }
    app.use((req: Request, res: Response) => {
      const message = `no route for ${req.method} ${req.path}; oct serves POST /v1/traces, POST /v1/logs, POST /api/v1/traces, POST /api/v1/errors, GET /api/v1/schema/{traces,errors} and GET /healthz`;
      // Native API paths answer in the native error shape; everything else as OTLP (google.rpc.Status).
      res.status(404).json(req.path.startsWith('/api/') ? { error: message } : { code: 5, message });
    });
    const server = createServer((req, res) => {
      if (!fast.get(`${req.method} ${req.url}`)?.(req, res)) app(req, res);
    });
    server.listen(this.#options.port, this.#options.host);
    // Outlive the SDKs' keep-alive reuse gaps (Node's default is 5 s).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.#server = server;
  }

  address(): AddressInfo {
    const address = this.#server?.address();
    if (!address || typeof address === 'string') throw new Error('the HTTP receiver is not listening');
    return address;
  }

  /** Stops accepting connections and lets in-flight requests finish (up to the close timeout). */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), this.#options.closeTimeoutMs);
    await closed;
    clearTimeout(timer);
  }
}
