import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * Answers with `value` as JSON and the headers express's `res.json` would send (Content-Type,
 * Content-Length, its weak ETag), in one `writeHead` and one `end`. Headers set before
 * (Allow, Retry-After) go out first, as with express.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  const length = Buffer.byteLength(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': length, ETag: weakEtag(body, length) });
  res.end(body);
}

/** express's default ETag (the `etag` package, weak): the byte length in hex and the first 27 base64 characters of the SHA-1. */
function weakEtag(body: string, length: number): string {
  return `W/"${length.toString(16)}-${createHash('sha1').update(body).digest('base64').substring(0, 27)}"`;
}
