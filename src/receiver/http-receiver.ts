import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import type { TlsFiles } from '../config/access.js';
import type { Logger } from '../logger.js';
import type { Component } from '../pipeline/component.js';
import { presentedKeys, type ApiKeys } from './api-keys.js';
import { octError, OctError } from './errors.js';
import { answer, answerError, JSON_UTF8, type ErrorDialect } from './http/answer.js';
import { cors } from './http/cors.js';
import type { Route } from './http/route.js';
import type { InflightBudget } from './inflight-budget.js';
import type { ReceiverStats } from './receiver-stats.js';
import type { RejectionLog } from './rejection-log.js';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  routes: Route[];
  /** Errors of `/healthz`, and 404s whose first path segment no route shares (`/api/…` 404s answer as the native routes do). */
  defaultErrors: ErrorDialect;
  /** Body of `GET /healthz`. */
  health: () => object;
  /** The in-flight budget (OCT_MAX_INFLIGHT_MB), shared with the gRPC receiver. */
  budget: InflightBudget;
  /** What `GET /readyz` answers. */
  readiness: () => Readiness;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  closeTimeoutMs: number;
  /** When set, every route not marked `public` needs one of these keys. */
  keys: ApiKeys | undefined;
  /** When set, requests whose Host it refuses are answered 403 (a loopback listener without keys). */
  hostAllowed: ((req: IncomingMessage) => boolean) | undefined;
  /** Origins given CORS headers (OCT_CORS_ORIGINS); empty: none. */
  corsOrigins: readonly string[];
  /** HTTPS with this certificate; plain HTTP without. */
  tls: TlsFiles | undefined;
  stats: ReceiverStats;
  logger: Logger;
  rejections: RejectionLog;
}

/** Whether oct should be sent traffic; `reason` says why not. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The HTTP server: every route plus `/healthz` and `/readyz` on one port, one express path per
 * route. Access is checked here, for every route alike: CORS preflights first, then the Host
 * rule, then the API key (routes marked `public` excepted), before a handler reads anything.
 */
export class HttpReceiver implements Component {
  readonly #options: HttpReceiverOptions;
  #server: Server | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: HttpReceiverOptions) {
    this.#options = options;
  }

  /** Listens; `address()` then tells the bound port (useful with port 0). */
  async start(): Promise<void> {
    const { tls } = this.#options;
    const server = tls ? createTlsServer(tls, this.#handler()) : createServer(this.#handler());
    server.listen(this.#options.port, this.#options.host);
    // Outlive the SDKs' keep-alive reuse gaps (Node's default is 5 s).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.#server = server;
  }

  /**
   * An express Router serves every route, without the express app: the app re-prototypes `req`
   * and `res` on every request, which measured about twice the CPU of a native post. Handlers
   * use only node's request and response, and write each answer whole.
   */
  #handler(): (req: IncomingMessage, res: ServerResponse) => void {
    const { health, readiness, defaultErrors } = this.#options;
    const routes: Route[] = [
      ...this.#options.routes,
      {
        method: 'GET',
        path: '/healthz',
        usage: 'health is read with GET',
        errors: defaultErrors,
        public: true,
        handle: (_req, res) => answer(res, 200, JSON_UTF8, JSON.stringify(health())),
      },
      {
        method: 'GET',
        path: '/readyz',
        usage: 'readiness is read with GET',
        errors: defaultErrors,
        public: true,
        handle: (_req, res) => {
          const state = readiness();
          const body = state.ready ? { status: 'ready' } : { status: 'not_ready', reason: state.reason };
          answer(res, state.ready ? 200 : 503, JSON_UTF8, JSON.stringify(body));
        },
      },
    ];
    const router = express.Router({ strict: true, caseSensitive: true });
    const byPath = new Map<string, Route[]>();
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
    for (const [path, served] of byPath) {
      const route = router.route(path);
      const open = served.every((r) => r.public);
      route.all((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        const errors = (served.find((r) => r.method === req.method || (r.method === 'GET' && req.method === 'HEAD')) ?? served[0]).errors;
        const refusal = this.#refusal(req, open);
        if (refusal) this.#fail(req, res, errors, refusal);
        else next();
      });
      for (const r of served) route[r.method === 'GET' ? 'get' : 'post'](this.#serve(r));
      const allow = served.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])).join(', ');
      route.all((req: IncomingMessage, res: ServerResponse) => {
        res.setHeader('Allow', allow);
        const usage = served.map((r) => r.usage).join('; ');
        this.#fail(req, res, served[0].errors, octError('OCT_ERR_METHOD_NOT_ALLOWED', usage));
      });
    }

    // A 404 answers in the dialect of the routes that share its first path segment (`/api/…`).
    const bySegment = new Map<string, ErrorDialect>();
    for (const route of routes) if (!bySegment.has(firstSegment(route.path))) bySegment.set(firstSegment(route.path), route.errors);
    const list = routes.map((r) => `${r.method} ${r.path}`);
    const served = `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
    const notFound = (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      const errors = bySegment.get(firstSegment(path)) ?? defaultErrors;
      // Without the key, not even the list of routes.
      const refusal = this.#refusal(req, false);
      if (refusal) return this.#fail(req, res, errors, refusal);
      const error = octError('OCT_ERR_NOT_FOUND', req.method ?? '', path, served);
      this.#logRefused(req, error);
      answerError(req, res, errors, error);
    };
    const preflight = cors(this.#options.corsOrigins);
    return (req, res) => {
      if (preflight(req, res)) return;
      // The router reads only node's fields of req and res.
      router(req as Request, res as Response, (err?: unknown) => (err ? this.#fail(req, res, defaultErrors, err) : notFound(req, res)));
    };
  }

  /** Why a request may not reach its route, counted; undefined when it may. Never logs what a client sent as its key. */
  #refusal(req: IncomingMessage, open: boolean): OctError | undefined {
    const { hostAllowed, keys, stats } = this.#options;
    if (hostAllowed && !hostAllowed(req)) {
      stats.wrong_host_requests++;
      return octError('OCT_ERR_WRONG_HOST', req.headers.host ?? '');
    }
    if (!keys || open) return undefined;
    const presented = presentedKeys(req.headers.authorization, firstValue(req.headers['x-api-key']));
    if (keys.accepts(presented)) return undefined;
    stats.unauthenticated_requests++;
    return octError('OCT_ERR_UNAUTHENTICATED', presented.length > 0);
  }

  #serve(route: Route) {
    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const memory = this.#options.budget.open();
      try {
        await route.handle(req, res, memory);
      } catch (err) {
        this.#fail(req, res, route.errors, err);
      } finally {
        memory.release();
      }
    };
  }

  /** Counts and answers a failed request; anything but an `OctError` is a bug, logged and answered 500. */
  #fail(req: IncomingMessage, res: ServerResponse, errors: ErrorDialect, err: unknown): void {
    errors.countFailure();
    if (!(err instanceof OctError))
      this.#options.logger.error(`${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
    else this.#logRefused(req, err);
    // Once an answer has begun, the connection is all that is left to end.
    if (res.headersSent) return void res.destroy();
    answerError(req, res, errors, err instanceof OctError ? err : octError('OCT_ERR_INTERNAL'));
  }

  #logRefused(req: IncomingMessage, error: OctError): void {
    // The path only: a query string may hold a search of stored prompts.
    const route = `${req.method} ${(req.url ?? '/').split('?', 1)[0]}`;
    this.#options.rejections.refused({ route, client: req.socket.remoteAddress ?? 'an unknown address' }, error, error.entry.status);
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

const firstValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** `api` of `/api/v1/traces`. */
function firstSegment(path: string): string {
  return path.split('/', 2)[1] ?? '';
}
