import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';
import type { EventSink } from '../../pipeline/sink.js';
import { describeBodyError, mediaType, RETRY_AFTER_SECONDS, rawBody } from '../body.js';
import type { ReceiverStats } from '../receiver-stats.js';
import { encodeStatus, type WireFormat } from './encode-response.js';
import { DecodeError } from './decode-errors.js';

/** What every OTLP route needs from the runtime. */
export interface OtlpRouteOptions {
  sink: EventSink;
  maxBodyBytes: number;
  /** How long a request may wait for room in a full queue before its 503. */
  admissionWaitMs: number;
  stats: ReceiverStats;
  logger: Logger;
}

/** A decoded request mapped to pipeline events. */
export interface SignalMapping {
  events: PipelineEvent[];
  /** Items rejected one by one (invalid ids), reported through `partial_success`. */
  rejected: number;
  rejectionMessage: string | null;
  /** Valid items that produce no event. */
  ignored: number;
}

/** What a signal (traces, logs) plugs into the shared OTLP/HTTP route. */
export interface OtlpSignal<R extends { warnings: string[] }> {
  /** `/v1/traces`, `/v1/logs`. */
  path: string;
  /** Names the signal in answers: "OTLP traces are sent with POST". */
  noun: string;
  decode: Record<WireFormat, (body: Buffer) => R>;
  /** Items (spans, log records) in a decoded request. */
  count: (request: R) => number;
  map: (request: R) => SignalMapping;
  /** The signal's `Export…ServiceResponse`; `partial` unset on full success. */
  encodeResponse: (format: WireFormat, partial?: { rejected: number; errorMessage: string }) => Buffer;
  /** Receiver counters of the signal's items. */
  counters: Record<'received' | 'accepted' | 'refused' | 'rejected' | 'ignored', keyof ReceiverStats>;
  /** The SDK setting that bounds a request, named in the 413 answer. */
  batchSizeSetting: string;
}

const CONTENT_TYPES: Record<string, WireFormat> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };

/** google.rpc.Code for each HTTP status oct answers with (clients must not branch on it). */
const RPC_CODES: Record<number, number> = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

/**
 * `POST <signal.path>`: content type → body (limit, gzip) → decode → map → offer → answer.
 * Each step either hands a value to the next or answers with a google.rpc.Status and stops.
 * The handler never waits for SQLite: 200 means the events are admitted to the queue.
 */
export function otlpRouter<R extends { warnings: string[] }>(signal: OtlpSignal<R>, options: OtlpRouteOptions): Router {
  const router = express.Router({ strict: true, caseSensitive: true });
  const { stats, logger } = options;
  const counters = signal.counters;
  let warnedStrindex = false;

  const fail = (res: Response, format: WireFormat, status: number, message: string) => {
    stats.otlp_requests_failed++;
    res
      .status(status)
      .type(contentTypeOf(format))
      .send(encodeStatus(format, RPC_CODES[status] ?? 2, message));
  };

  router
    .route(signal.path)
    .post(
      (req: Request, res: Response, next: NextFunction) => {
        const format = CONTENT_TYPES[mediaType(req.headers['content-type'])];
        if (!format) {
          return fail(
            res,
            'json',
            415,
            `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; send application/x-protobuf or application/json`,
          );
        }
        res.locals.format = format;
        next();
      },
      rawBody(options.maxBodyBytes),
      async (req: Request, res: Response) => {
        const format = res.locals.format as WireFormat;
        let request: R;
        try {
          request = signal.decode[format](Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        } catch (err) {
          if (err instanceof DecodeError) return fail(res, format, 400, err.message);
          throw err;
        }
        if (request.warnings.length > 0 && !warnedStrindex) {
          warnedStrindex = true;
          logger.warn(`OTLP request: ${request.warnings[0]} (logged once)`);
        }
        const items = signal.count(request);
        stats[counters.received] += items;
        if (items === 0) return res.status(200).type(contentTypeOf(format)).send(signal.encodeResponse(format));

        const mapped = signal.map(request);
        stats[counters.rejected] += mapped.rejected;
        stats[counters.ignored] += mapped.ignored;
        const offered = await options.sink.offerWithin(mapped.events, options.admissionWaitMs);
        if (!offered.admitted) {
          stats[counters.refused] += items - mapped.rejected;
          if (offered.reason === 'too_large') {
            return fail(
              res,
              format,
              413,
              `request maps to ${mapped.events.length} events but the queue holds at most ${options.sink.capacity}; lower the exporter's batch size (${signal.batchSizeSetting})`,
            );
          }
          res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
          return fail(
            res,
            format,
            503,
            offered.reason === 'queue_full' ? 'queue is full; retry later' : 'oct is shutting down; retry later',
          );
        }
        stats[counters.accepted] += items - mapped.rejected;
        const partial = mapped.rejected > 0 ? { rejected: mapped.rejected, errorMessage: mapped.rejectionMessage ?? '' } : undefined;
        res.status(200).type(contentTypeOf(format)).send(signal.encodeResponse(format, partial));
      },
    )
    .all((_req: Request, res: Response) => {
      res.setHeader('Allow', 'POST');
      fail(res, 'json', 405, `method not allowed; OTLP ${signal.noun} are sent with POST`);
    });

  // Body-reading failures (too large, bad gzip, unsupported encoding) end up here.
  router.use(signal.path, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const problem = describeBodyError(err, options.maxBodyBytes);
    fail(res, (res.locals.format as WireFormat | undefined) ?? 'json', problem.status, problem.message);
  });
  return router;
}

function contentTypeOf(format: WireFormat): string {
  return format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}
