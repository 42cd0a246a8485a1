import type { IncomingMessage } from 'node:http';
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

/**
 * Reads a body sent without `Content-Encoding`, as `rawBody` does (same limit checks, same error
 * `type`s for `describeBodyError`) but without express's per-request machinery. On failure the
 * rest of the request is read off before the promise rejects, so the answer leaves a clean
 * keep-alive connection behind.
 */
export function readPlainBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? null : Number(declared);
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (type: string) => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      const error = { type };
      if (req.readableEnded || req.destroyed) return reject(error);
      // Read off (and drop) the rest of the request, then answer.
      req.once('end', () => reject(error));
      req.once('close', () => reject(error));
      req.resume();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) fail('entity.too.large');
      else chunks.push(chunk);
    };
    const onEnd = () => {
      req.removeListener('error', onError);
      if (length !== null && received !== length) reject({ type: 'request.size.invalid' });
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
    };
    const onError = () => fail('request.aborted');
    if (length !== null && length > limit) return fail('entity.too.large');
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
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
  return (header ?? '').split(';', 1)[0].trim().toLowerCase();
}
