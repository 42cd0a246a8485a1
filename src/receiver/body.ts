import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { octError, type OctError } from './errors.js';
import { DECODED_PER_BODY_BYTE, type Reservation } from './inflight-budget.js';

const INFLATERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * Reads the whole body, inflating `Content-Encoding: gzip`, `deflate` and `br`. `limit` applies
 * while streaming to the raw and to the decompressed bytes, so a gzip bomb is cut off at the limit
 * without being held; a declared `Content-Length` over the limit is refused before any byte is
 * read. On failure the rest of the request is read off before the promise rejects (with an
 * `OctError`), so the answer leaves a clean keep-alive connection behind.
 *
 * `memory` reserves the bytes as they arrive (a declared `Content-Length` up front) and the
 * inflated bytes of a compressed body, each body byte with the estimate of its decoded events
 * (`DECODED_PER_BODY_BYTE`): reserved while streaming, not on completion, so concurrent bodies cannot
 * all inflate in full and then be refused, their bytes left behind as garbage. When the bytes do not
 * fit, the rest is read off and dropped (holding nothing) before the promise rejects.
 */
export function readBody(req: IncomingMessage, limit: number, memory: Reservation): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const inflater = INFLATERS[encoding]?.();
    if (!inflater && encoding !== 'identity') return readOff(req, () => reject(octError('OCT_ERR_UNSUPPORTED_ENCODING', encoding)));
    const declared = Number(req.headers['content-length'] ?? 0) || 0;
    if (declared > limit) return readOff(req, () => reject(octError('OCT_ERR_BODY_TOO_LARGE', limit)));
    const perBodyByte = 1 + DECODED_PER_BODY_BYTE;
    const perRawByte = inflater ? 1 : perBodyByte;
    if (!memory.grow(declared * perRawByte)) return readOff(req, () => reject(memory.refusal()));

    const chunks: Buffer[] = [];
    let raw = 0;
    let size = 0;
    let failed = false;
    const fail = (error: OctError) => {
      if (failed) return;
      failed = true;
      req.removeListener('data', onRaw);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      readOff(req, () => reject(error));
    };
    const reserve = (n: number): boolean => {
      if (memory.grow(n)) return true;
      fail(memory.refusal());
      return false;
    };
    const keep = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(octError('OCT_ERR_BODY_TOO_LARGE', limit));
      else if (!inflater || reserve(chunk.length * perBodyByte)) chunks.push(chunk);
    };
    const onRaw = (chunk: Buffer) => {
      raw += chunk.length;
      if (raw > limit) fail(octError('OCT_ERR_BODY_TOO_LARGE', limit));
      // Bytes past a declared Content-Length (all of a chunked body) are reserved as they come.
      else if (raw > declared && !reserve(Math.min(chunk.length, raw - declared) * perRawByte)) return;
      else if (!inflater) keep(chunk);
    };
    const done = () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    req.on('data', onRaw);
    req.once('error', () => fail(octError('OCT_ERR_BODY_ABORTED')));
    if (inflater) {
      inflater.on('data', keep);
      inflater.once('end', done);
      inflater.once('error', (err) => fail(octError('OCT_ERR_BODY_UNREADABLE', encoding).causedBy(err)));
      req.pipe(inflater);
    } else {
      req.once('end', done);
    }
  });
}

/**
 * Reads off (and drops) what is left of the request, then calls `then`. Answering before the body
 * is read would close the connection under a client still writing it, and the SDKs lose a batch
 * whose export ends in EPIPE instead of a retryable 503.
 */
export function readOff(req: IncomingMessage, then: () => void): void {
  if (req.readableEnded || req.destroyed) return then();
  req.once('end', then);
  req.once('close', then);
  req.resume();
}

/** The media type of a Content-Type header: lower-cased, parameters dropped. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0].trim().toLowerCase();
}
