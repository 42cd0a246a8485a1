import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { EventSink } from '../../pipeline/sink.js';
import { describeBodyError, mediaType, readPlainBody, RETRY_AFTER_SECONDS, rawBody } from '../body.js';
import type { FastHandler, FastRoutes } from '../http-receiver.js';
import type { ReceiverStats } from '../receiver-stats.js';
import { sendJson } from './json-answer.js';
import { errorItemSchema, traceItemSchema } from './schema.js';
import { errorEvents, traceEvents, type NativeEvents, type TextLimits } from '../../mapping/map-native.js';
import { validateErrors, validateTraces, type Validation } from './validate.js';

export interface NativeOptions {
  sink: EventSink;
  maxBodyBytes: number;
  maxTextBytes: number;
  maxAttributesBytes: number;
  /** How long a request may wait for room in a full queue before its 503. */
  admissionWaitMs: number;
  stats: ReceiverStats;
}

/** How one endpoint turns a parsed body into events. */
interface Endpoint<T> {
  path: string;
  noun: string;
  validate: (body: object) => Validation<T>;
  toEvents: (items: T[], receivedAt: number, limits: TextLimits) => NativeEvents;
}

const SCHEMAS = { '/api/v1/schema/traces': traceItemSchema, '/api/v1/schema/errors': errorItemSchema };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The native JSON API: `POST /api/v1/traces` and `POST /api/v1/errors`, plus their schemas.
 * content type → body (limit, gzip) → parse → validate → build events → offer → answer; each
 * step hands a value to the next or answers `{"error": …}` and stops. 202 means admitted to the
 * queue: the handler never waits for SQLite. Uncompressed POSTs take a fast route past express
 * (see `FastRoutes`) through the same steps.
 */
export function nativeRouter(options: NativeOptions): Router & FastRoutes {
  const router = express.Router({ strict: true, caseSensitive: true });
  const fastRoutes = new Map<string, FastHandler>([
    [
      'POST /api/v1/traces',
      mountEndpoint(router, { path: '/api/v1/traces', noun: 'traces', validate: validateTraces, toEvents: traceEvents }, options),
    ],
    [
      'POST /api/v1/errors',
      mountEndpoint(router, { path: '/api/v1/errors', noun: 'errors', validate: validateErrors, toEvents: errorEvents }, options),
    ],
  ]);
  for (const [path, schema] of Object.entries(SCHEMAS)) {
    router
      .route(path)
      .get((_req: Request, res: Response) => {
        res.json(schema);
      })
      .all((_req: Request, res: Response) => {
        res.setHeader('Allow', 'GET, HEAD');
        res.status(405).json({ error: 'method not allowed; the schema is read with GET' });
      });
  }
  return Object.assign(router, { fastRoutes });
}

/** Mounts the endpoint's express route; returns its fast route, which declines compressed bodies. */
function mountEndpoint<T>(router: Router, endpoint: Endpoint<T>, options: NativeOptions): FastHandler {
  const { sink, stats, maxBodyBytes } = options;
  const fail = (res: ServerResponse, status: number, error: string, problems?: string[]) => {
    stats.native_requests_failed++;
    sendJson(res, status, problems ? { error, problems } : { error });
  };
  const failBody = (res: ServerResponse, err: unknown) => {
    const problem = describeBodyError(err, maxBodyBytes);
    fail(res, problem.status, problem.message);
  };
  const isJson = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (mediaType(req.headers['content-type']) === 'application/json') return true;
    fail(res, 415, `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; send application/json`);
    return false;
  };

  const ingest = async (body: Buffer, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    const parsed = parseBody(body);
    if (typeof parsed === 'string') return fail(res, 400, parsed);
    if (Array.isArray(parsed) && parsed.length === 0) return sendJson(res, 202, { accepted: 0, trace_ids: [] });

    const checked = endpoint.validate(parsed);
    if (!checked.ok) {
      const listed = checked.total > checked.problems.length ? ` (first ${checked.problems.length} listed)` : '';
      return fail(res, 400, `invalid request: ${checked.total} problem${checked.total === 1 ? '' : 's'}${listed}`, checked.problems);
    }
    const { events, traceIds } = endpoint.toEvents(checked.items, receivedAt, options);
    const offered = await sink.offerWithin(events, options.admissionWaitMs);
    if (!offered.admitted) {
      if (offered.reason === 'too_large') {
        return fail(
          res,
          413,
          `the request holds ${traceIds.length} ${endpoint.noun} (${events.length} rows) but the queue holds at most ${sink.capacity}; send smaller arrays`,
        );
      }
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      return fail(res, 503, offered.reason === 'queue_full' ? 'queue is full; retry later' : 'oct is shutting down; retry later');
    }
    stats.native_items_accepted += traceIds.length;
    sendJson(res, 202, { accepted: traceIds.length, trace_ids: traceIds });
  };

  router
    .route(endpoint.path)
    .post(
      (req: Request, res: Response, next: NextFunction) => {
        if (isJson(req, res)) next();
      },
      rawBody(maxBodyBytes),
      (req: Request, res: Response) => ingest(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), res),
    )
    .all((_req: Request, res: Response) => {
      res.setHeader('Allow', 'POST');
      fail(res, 405, `method not allowed; ${endpoint.noun} are sent with POST`);
    });

  // Body-reading failures (too large, bad gzip, unsupported encoding) end up here.
  router.use(endpoint.path, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    failBody(res, err);
  });

  return (req, res) => {
    if (req.headers['content-encoding'] !== undefined) return false;
    if (isJson(req, res)) {
      readPlainBody(req, maxBodyBytes)
        .then(
          (body) => ingest(body, res),
          (err: unknown) => failBody(res, err),
        )
        // An unexpected error is answered as the express route's error handler does; once the
        // answer has begun, the connection is dropped, as express's final handler does.
        .catch((err: unknown) => (res.headersSent ? res.destroy() : failBody(res, err)));
    }
    return true;
  };
}

/** The body as a JSON object or array, or the reason it is not one. */
function parseBody(body: Buffer): object | string {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    return err instanceof TypeError ? 'invalid JSON: the body is not valid UTF-8' : `invalid JSON: ${(err as Error).message}`;
  }
  if (typeof value !== 'object' || value === null) return 'expected a JSON object or an array of objects';
  return value;
}
