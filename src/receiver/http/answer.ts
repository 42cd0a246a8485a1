import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OctError } from '../errors.js';

export const JSON_UTF8 = 'application/json; charset=utf-8';

/** Writes a whole answer in one `writeHead` and one `end`; headers set before (Allow) go out too. */
export function answer(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** How a family of routes writes its errors, and counts the requests that got one. */
export interface ErrorDialect {
  /** Content-Type and body of `error`, as the route's clients read it. */
  encode(req: IncomingMessage, error: OctError): { contentType: string; body: Buffer | string };
  countFailure(): void;
}

/** The one failure path: status, `Retry-After` and `WWW-Authenticate` from the registry, body in the route's dialect. */
export function answerError(req: IncomingMessage, res: ServerResponse, dialect: ErrorDialect, error: OctError): void {
  const { status, retryable } = error.entry;
  if (retryable) res.setHeader('Retry-After', String(error.retryAfterS));
  // A 401 names the scheme it wants (RFC 9110 §11.6.1).
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  const { contentType, body } = dialect.encode(req, error);
  answer(res, status, contentType, body);
}
