import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { Logger } from '../../logger.js';
import type { EventSink } from '../../pipeline/sink.js';
import { describeBodyError, mediaType, rawBody } from '../body.js';
import { mapTracesRequest, type MappingOptions } from '../genai/map-traces.js';
import type { ReceiverStats } from '../receiver-stats.js';
import { decodeTracesJson } from './decode-json.js';
import { decodeTracesProtobuf } from './decode-protobuf.js';
import { encodeExportResponse, encodeStatus, type WireFormat } from './encode-response.js';
import { DecodeError, countSpans, type TracesRequest } from './model.js';

export interface OtlpTracesOptions extends MappingOptions {
  sink: EventSink;
  maxBodyBytes: number;
  stats: ReceiverStats;
  logger: Logger;
}

/** Seconds a client should wait after a 503; short, because the SDKs give up past their 10 s export timeout. */
export const RETRY_AFTER_SECONDS = 1;

const CONTENT_TYPES: Record<string, WireFormat> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };

/** google.rpc.Code for each HTTP status oct answers with (clients must not branch on it). */
const RPC_CODES: Record<number, number> = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

/**
 * `POST /v1/traces`: content type → body (limit, gzip) → decode → map → offer → answer.
 * Each step either hands a value to the next or answers with a google.rpc.Status and stops.
 * The handler never waits for SQLite: 200 means the events are admitted to the queue.
 */
export function otlpTracesRouter(options: OtlpTracesOptions): Router {
  const router = express.Router({ strict: true, caseSensitive: true });
  const { stats, logger } = options;
  let warnedStrindex = false;

  const fail = (res: Response, format: WireFormat, status: number, message: string) => {
    stats.otlp_requests_failed++;
    res.status(status).type(contentTypeOf(format)).send(encodeStatus(format, RPC_CODES[status] ?? 2, message));
  };

  router
    .route('/v1/traces')
    .post(
      (req: Request, res: Response, next: NextFunction) => {
        const format = CONTENT_TYPES[mediaType(req.headers['content-type'])];
        if (!format) {
          return fail(res, 'json', 415, `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; send application/x-protobuf or application/json`);
        }
        res.locals.format = format;
        next();
      },
      rawBody(options.maxBodyBytes),
      (req: Request, res: Response) => {
        const format = res.locals.format as WireFormat;
        let request: TracesRequest;
        try {
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          request = format === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
        } catch (err) {
          if (err instanceof DecodeError) return fail(res, format, 400, err.message);
          throw err;
        }
        if (request.warnings.length > 0 && !warnedStrindex) {
          warnedStrindex = true;
          logger.warn(`OTLP request: ${request.warnings[0]} (logged once)`);
        }
        const spans = countSpans(request);
        stats.otlp_spans_received += spans;
        if (spans === 0) return res.status(200).type(contentTypeOf(format)).send(encodeExportResponse(format));

        const mapped = mapTracesRequest(request, options);
        stats.otlp_spans_rejected += mapped.rejectedSpans;
        stats.otlp_spans_ignored += mapped.ignoredSpans;
        const offered = options.sink.offer(mapped.events);
        if (!offered.admitted) {
          stats.otlp_spans_refused += spans - mapped.rejectedSpans;
          if (offered.reason === 'too_large') {
            return fail(res, format, 413, `request maps to ${mapped.events.length} events but the queue holds at most ${options.sink.capacity}; lower the exporter's batch size (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)`);
          }
          res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
          return fail(res, format, 503, offered.reason === 'queue_full' ? 'queue is full; retry later' : 'oct is shutting down; retry later');
        }
        stats.otlp_spans_accepted += spans - mapped.rejectedSpans;
        const partial = mapped.rejectedSpans > 0 ? { rejectedSpans: mapped.rejectedSpans, errorMessage: mapped.rejectionMessage ?? '' } : undefined;
        res.status(200).type(contentTypeOf(format)).send(encodeExportResponse(format, partial));
      },
    )
    .all((_req: Request, res: Response) => {
      res.setHeader('Allow', 'POST');
      fail(res, 'json', 405, 'method not allowed; OTLP traces are sent with POST');
    });

  // Body-reading failures (too large, bad gzip, unsupported encoding) end up here.
  router.use('/v1/traces', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const problem = describeBodyError(err, options.maxBodyBytes);
    fail(res, (res.locals.format as WireFormat | undefined) ?? 'json', problem.status, problem.message);
  });
  return router;
}

function contentTypeOf(format: WireFormat): string {
  return format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}
