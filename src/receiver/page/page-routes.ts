import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { octError } from '../errors.js';
import type { ErrorDialect } from '../http/answer.js';
import type { Route } from '../http/route.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The page reads only oct's own API and assets; stored prompts it shows can never run as script. */
const HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** Where scripts/build-page.js puts the page: dist/page, beside this module's dist/receiver. */
export const PAGE_DIR = fileURLToPath(new URL('../../page', import.meta.url));

/**
 * The dashboard: `GET /` and `GET /page/{file}`, served from memory (read once, at start-up). It talks
 * only to the read API, so it is served exactly when the read routes are. Its files hold no data and
 * are public, so the page can load and ask for the API key the read API wants.
 */
export function pageRoutes(errors: ErrorDialect, dir = PAGE_DIR): Route[] {
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`the dashboard is not built (${dir}): run npm run build`);
  const files = new Map(
    fs
      .readdirSync(dir)
      .filter((name) => TYPES[path.extname(name)] !== undefined)
      .map((name) => [name, { type: TYPES[path.extname(name)], body: fs.readFileSync(path.join(dir, name)) }]),
  );
  const send = (res: ServerResponse, file: { type: string; body: Buffer }) => {
    res.writeHead(200, { ...HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(file.body);
  };
  const usage = 'the dashboard is read with GET (OTLP goes to POST /v1/traces and /v1/logs)';
  return [
    { method: 'GET', path: '/', usage, errors, public: true, handle: (_req, res) => send(res, files.get('index.html')!) },
    {
      method: 'GET',
      path: '/page/:file',
      usage,
      errors,
      public: true,
      handle(req: IncomingMessage, res: ServerResponse) {
        const name = (req as IncomingMessage & { params: { file: string } }).params.file;
        const file = files.get(name);
        if (file === undefined) {
          const served = [...files.keys()].map((f) => `GET /page/${f}`).join(', ');
          throw octError('OCT_ERR_NOT_FOUND', 'GET', `/page/${name}`, served);
        }
        send(res, file);
      },
    },
  ];
}
