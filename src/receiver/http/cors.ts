import type { IncomingMessage, ServerResponse } from 'node:http';

const PREFLIGHT = {
  'Access-Control-Allow-Methods': 'GET, HEAD, POST',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization, Content-Encoding, x-api-key',
  'Access-Control-Max-Age': '7200',
};

/**
 * CORS for browser OTel exporters and pages on other origins (OCT_CORS_ORIGINS), as the
 * Collector's `cors` setting: an allowed Origin gets `Access-Control-Allow-Origin` on every
 * answer, errors included, so the browser lets the page read them. Preflights carry no
 * credentials, so they are answered before the Host and key checks.
 */
export function cors(origins: readonly string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  // Off by default: no headers, and OPTIONS is a 405 like any method no route serves.
  if (origins.length === 0) return () => false;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  /** Sets the CORS headers; true when it answered a preflight, which then needs nothing else. */
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    res.setHeader('Vary', 'Origin');
    const permitted = any || allowed.has(origin);
    if (permitted) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, WWW-Authenticate');
    }
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
    // An origin not allowed gets no CORS headers, and the browser then refuses the request itself.
    res.writeHead(204, permitted ? PREFLIGHT : {});
    res.end();
    return true;
  };
}
