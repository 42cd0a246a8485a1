import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import type { TlsFiles } from '../config/access.js';
import type { Logger } from '../logger.js';
import type { Component } from '../pipeline/component.js';
import { readOff } from './body.js';
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
  /** Open connections past this are closed as they arrive (OCT_MAX_CONNECTIONS), and counted by `connectionRefused`. */
  maxConnections: number;
  connectionRefused: () => void;
  /** How long a client may take over a request; `SLOW_CLIENT_LIMITS` unless a test needs shorter ones. */
  slowClients?: SlowClientLimits;
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

/** What a client must keep up with, so slow or stalled connections cannot pile up. */
export interface SlowClientLimits {
  /** From the connection's first byte (or the previous request) to the end of the headers; then Node answers 408 and closes. */
  headersTimeoutMs: number;
  /** From the first byte to the end of the body; then Node answers 408 and closes. */
  requestTimeoutMs: number;
  /** A body must bring at least `bytes` in every `windowMs` until it ends, else it gets 408 and its connection is closed. */
  minBodyRate: { bytes: number; windowMs: number };
}

export const SLOW_CLIENT_LIMITS: SlowClientLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  minBodyRate: { bytes: 1024, windowMs: 10_000 },
};

/** How long after its last answer a connection still counts as in use when shutdown begins. */
const RECENT_MS = 250;

/** Whether oct should be sent traffic; `reason` says why not. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The HTTP server: every route plus `/healthz` and `/readyz` on one port, one express path per
 * route. Access is checked here, for every route alike: CORS preflights first, then the Host
 * rule, then the API key (routes marked `public` excepted), before a handler reads anything.
 */
export class HttpReceiver implements Component {
  readonly #options: HttpReceiverOptions;
  readonly #limits: SlowClientLimits;
  #server: Server | undefined;
  #shutdown: Promise<void> | undefined;
  /** Set once shutdown begins: every later request is answered 503 with `Connection: close`. */
  #stopping = false;
  /** Responses not yet finished, so shutdown can tell them to close their connections. */
  readonly #open = new Set<ServerResponse>();
  /** Every open connection, with when it last began or finished a request (`performance.now()`) and the bytes it had read then. */
  readonly #connections = new Map<Socket, { at: number; bytesRead: number }>();

  constructor(options: HttpReceiverOptions) {
    this.#options = options;
    this.#limits = options.slowClients ?? SLOW_CLIENT_LIMITS;
  }

  /** Listens; `address()` then tells the bound port (useful with port 0). */
  async start(): Promise<void> {
    const { headersTimeoutMs, requestTimeoutMs } = this.#limits;
    const { tls } = this.#options;
    // Node checks both timeouts on this interval (30 s by default), so it bounds how late they fire.
    const timeouts = {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
    };
    const server = tls ? createTlsServer({ ...tls, ...timeouts }, this.#handler()) : createServer(timeouts, this.#handler());
    // Node closes connections past the cap without a word; 'drop' is the only sign of them.
    server.maxConnections = this.#options.maxConnections;
    server.on('drop', this.#options.connectionRefused);
    // The socket requests arrive on: over TLS, the TLS socket, not the TCP one under it.
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#connections.set(socket, { at: performance.now(), bytesRead: 0 });
      socket.once('close', () => this.#connections.delete(socket));
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
      // The dialect of each method's route (HEAD is GET's), worked out once, not per request.
      const dialects = new Map<string, ErrorDialect>();
      for (const r of served) for (const method of r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]) dialects.set(method, r.errors);
      route.all((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        const errors = dialects.get(req.method ?? '') ?? served[0].errors;
        const refusal = this.#refusal(req, open);
        if (refusal) this.#fail(req, res, errors, refusal);
        else next();
      });
      for (const r of served) route[r.method === 'GET' ? 'get' : 'post'](this.#serve(r));
      const allow = [...dialects.keys()].join(', ');
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
      const path = pathOf(req);
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
      if (this.#stopping) res.setHeader('Connection', 'close');
      this.#open.add(res);
      const socket = req.socket;
      this.#connections.set(socket, { at: performance.now(), bytesRead: socket.bytesRead });
      res.once('close', () => {
        this.#open.delete(res);
        if (this.#connections.has(socket)) this.#connections.set(socket, { at: performance.now(), bytesRead: socket.bytesRead });
      });
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
      const unwatch = route.method === 'POST' ? this.#watchBody(req, res, route.errors) : undefined;
      const memory = this.#options.budget.open();
      try {
        if (this.#stopping) {
          // Read off first: closing on a body still arriving would reset the connection under the answer.
          await new Promise<void>((resolve) => readOff(req, resolve));
          throw octError('OCT_ERR_SHUTTING_DOWN');
        }
        await route.handle(req, res, memory);
      } catch (err) {
        this.#fail(req, res, route.errors, err);
      } finally {
        unwatch?.();
        memory.release();
      }
    };
  }

  /**
   * Holds the body to the minimum rate: in every window until the request is complete, at least
   * that many bytes must arrive on the connection, else the request is answered 408 and the
   * connection closed. Returns the function that stops watching.
   */
  #watchBody(req: IncomingMessage, res: ServerResponse, errors: ErrorDialect): () => void {
    const { bytes, windowMs } = this.#limits.minBodyRate;
    const socket = req.socket;
    let read = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || res.writableEnded) return clearInterval(timer);
      if (socket.bytesRead - read >= bytes) {
        read = socket.bytesRead;
        return;
      }
      clearInterval(timer);
      res.setHeader('Connection', 'close');
      this.#fail(req, res, errors, octError('OCT_ERR_BODY_TOO_SLOW', bytes, windowMs));
    }, windowMs);
    return () => clearInterval(timer);
  }

  /** Counts and answers a failed request; anything but an `OctError` is a bug, logged and answered 500. */
  #fail(req: IncomingMessage, res: ServerResponse, errors: ErrorDialect, err: unknown): void {
    // Answered already (408 to a body too slow), and this is the read it cut short failing.
    if (res.writableEnded) return;
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
    const route = `${req.method} ${pathOf(req)}`;
    this.#options.rejections.refused({ route, client: req.socket.remoteAddress ?? 'an unknown address' }, error, error.entry.status);
  }

  address(): AddressInfo {
    const address = this.#server?.address();
    if (!address || typeof address === 'string') throw new Error('the HTTP receiver is not listening');
    return address;
  }

  /**
   * Stops accepting: the listener closes, idle connections close at once, requests being read or
   * handled finish and are answered with `Connection: close`, and any request that still arrives
   * on an open connection gets 503 (retryable) with `Connection: close`. A connection answered in
   * the last `RECENT_MS` is not idle yet: its client may be sending the next request, which
   * closing would reset, so it gets `RECENT_MS` more to send it. Connections still open after the
   * close timeout are closed.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#stopping = true;
    for (const res of this.#open) if (!res.headersSent) res.setHeader('Connection', 'close');
    // The listener only: http's close() would also close every idle connection at once.
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    const timer = setTimeout(() => server.closeAllConnections(), this.#options.closeTimeoutMs);
    const busy = new Set([...this.#open].map((res) => res.socket));
    const now = performance.now();
    let recent = 0;
    for (const [socket, last] of this.#connections) {
      if (busy.has(socket)) continue;
      // Bytes since the last request: the next one is being read, or at least begun.
      if (now - last.at < RECENT_MS || socket.bytesRead > last.bytesRead) recent++;
      else socket.destroy();
    }
    if (recent > 0) await new Promise((resolve) => setTimeout(resolve, RECENT_MS));
    // Node's own idle test, which knows a request whose headers are still arriving, closes the rest.
    server.close();
    await closed;
    clearTimeout(timer);
  }
}

/** The request's path, without the query. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0];
}

const firstValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** `api` of `/api/v1/traces`. */
function firstSegment(path: string): string {
  return path.split('/', 2)[1] ?? '';
}
