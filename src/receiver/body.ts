import express from 'express';
import type { RequestHandler } from 'express';

/**
 * Reads the whole body into `req.body` (a Buffer), inflating `Content-Encoding: gzip`, `deflate`
 * (and `br`) on the way. `limit` applies while streaming to the decompressed bytes, so a gzip bomb
 * is cut off at the limit without being held in memory; a declared `Content-Length` over the
 * limit is refused before any byte is read.
 */
export function rawBody(limit: number): RequestHandler {
  return express.raw({ type: () => true, limit, inflate: true });
}

/** Seconds a client should wait after a 503; short, because the SDKs give up past their 10 s export timeout. */
export const RETRY_AFTER_SECONDS = 1;

export interface HttpProblem {
  status: number;
  message: string;
}

/** Maps a body-reading failure (from `rawBody`) to a status and a message for the client. */
export function describeBodyError(err: unknown, limit: number): HttpProblem {
  const e = err as { type?: string; status?: number; message?: string; encoding?: string };
  switch (e.type) {
    case 'entity.too.large':
      return { status: 413, message: `request body exceeds the limit of ${limit} bytes (after decompression); OCT_MAX_BODY_BYTES sets it` };
    case 'encoding.unsupported':
      return { status: 400, message: `unsupported Content-Encoding: ${e.encoding ?? 'unknown'} (supported: gzip, deflate, br, identity)` };
    case 'request.aborted':
      return { status: 400, message: 'request aborted by the client before the body was complete' };
    case 'request.size.invalid':
      return { status: 400, message: 'request body size did not match Content-Length' };
    default:
      // zlib failures arrive here (corrupt or truncated compressed data).
      return { status: 400, message: `could not read the request body: ${e.message ?? 'unknown error'}` };
  }
}

/** The media type of a Content-Type header: lower-cased, parameters dropped. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
