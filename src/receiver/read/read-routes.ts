import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParamError, parseErrorListParams, parseStatsParams, parseTraceListParams, type QueryString } from '../../query/params.js';
import { ReadUnavailableError, type TraceReader } from '../../query/trace-reader.js';
import { octError } from '../errors.js';
import { answer, JSON_UTF8, type ErrorDialect } from '../http/answer.js';
import type { Route } from '../http/route.js';

/**
 * The read API: `GET /api/v1/traces`, `/api/v1/traces/{trace_id}`, `/api/v1/errors` and
 * `/api/v1/stats`, answered by the trace reader's threads (never the writer's connection).
 */
export function readRoutes(reader: TraceReader, errors: ErrorDialect): Route[] {
  const route = (path: string, read: (req: IncomingMessage) => Promise<unknown>): Route => ({
    method: 'GET',
    path,
    usage: `${path.split('/')[3]} are read with GET`,
    errors,
    async handle(req: IncomingMessage, res: ServerResponse) {
      const result = await translated(() => read(req));
      answer(res, 200, JSON_UTF8, JSON.stringify(result));
    },
  });
  return [
    route('/api/v1/traces', (req) => reader.listTraces(parseTraceListParams(queryOf(req)))),
    route('/api/v1/traces/:trace_id', async (req) => {
      const traceId = (req as IncomingMessage & { params: { trace_id: string } }).params.trace_id;
      const detail = await reader.getTrace(traceId);
      if (detail === undefined) throw octError('OCT_ERR_UNKNOWN_TRACE', traceId);
      return detail;
    }),
    route('/api/v1/errors', (req) => reader.listErrors(parseErrorListParams(queryOf(req)))),
    route('/api/v1/stats', (req) => reader.stats(parseStatsParams(queryOf(req)))),
  ];
}

/** The query string as express gives it: one string per name, an array for a repeated name. */
function queryOf(req: IncomingMessage): QueryString {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URL(req.url ?? '/', 'http://oct').searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/** The query stage's refusals as registry errors. */
async function translated<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ParamError) throw octError('OCT_ERR_INVALID_PARAMETER', err.message);
    if (err instanceof ReadUnavailableError) throw octError('OCT_ERR_READ_UNAVAILABLE', err.message);
    throw err;
  }
}
