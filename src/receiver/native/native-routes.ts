import type { EventSink } from '../../pipeline/sink.js';
import type { CostCalculator } from '../../mapping/cost.js';
import { errorEvents, traceEvents, type NativeEvents, type RowOptions } from '../../mapping/map-native.js';
import { readBody } from '../body.js';
import { ERRORS, octError, OctError } from '../errors.js';
import { answer, JSON_UTF8, type ErrorDialect } from '../http/answer.js';
import { admit, refuseEarly, requestFormat, type Route } from '../http/route.js';
import type { ReceiverStats } from '../receiver-stats.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { errorItemSchema, traceItemSchema } from './schema.js';
import { validateErrors, validateTraces, type Validation } from './validate.js';

export interface NativeOptions {
  sink: EventSink;
  maxBodyBytes: number;
  maxTextBytes: number;
  maxAttributesBytes: number;
  costs: CostCalculator;
  /** How long a request may wait for room in a full queue before its 503. */
  admissionWaitMs: number;
  stats: ReceiverStats;
}

/** How one endpoint turns a parsed body into events. */
interface Endpoint<T> {
  path: string;
  noun: string;
  validate: (body: object) => Validation<T>;
  toEvents: (items: T[], receivedAt: number, options: RowOptions) => NativeEvents;
}

const JSON_ONLY = { 'application/json': 'json' } as const;
const EMPTY_ANSWER = JSON.stringify({ accepted: 0, trace_ids: [] });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Native errors: `{"error": …}`, with the `problems` of invalid items. */
export function nativeErrors(countFailure: () => void): ErrorDialect {
  return {
    encode: (_req, error) => ({
      contentType: JSON_UTF8,
      body: JSON.stringify(error.problems.length > 0 ? { error: error.message, problems: error.problems } : { error: error.message }),
    }),
    countFailure,
  };
}

/**
 * The native JSON API: `POST /api/v1/traces` and `POST /api/v1/errors`, plus their schemas.
 * content type → body (limit, gzip) → parse → validate → build events → offer → answer; each
 * step hands a value to the next or throws the error to answer. 202 means admitted to the
 * queue: the handler never waits for SQLite.
 */
export function nativeRoutes(options: NativeOptions): Route[] {
  const errors = nativeErrors(() => options.stats.native_requests_failed++);
  return [
    ingestRoute({ path: '/api/v1/traces', noun: 'traces', validate: validateTraces, toEvents: traceEvents }, errors, options),
    ingestRoute({ path: '/api/v1/errors', noun: 'errors', validate: validateErrors, toEvents: errorEvents }, errors, options),
    ...Object.entries({ traces: traceItemSchema, errors: errorItemSchema }).map(([kind, schema]): Route => {
      const body = JSON.stringify(schema);
      return {
        method: 'GET',
        path: `/api/v1/schema/${kind}`,
        usage: 'the schema is read with GET',
        errors,
        handle: (_req, res) => answer(res, 200, JSON_UTF8, body),
      };
    }),
  ];
}

function ingestRoute<T>(endpoint: Endpoint<T>, errors: ErrorDialect, options: NativeOptions): Route {
  const { sink, stats } = options;
  return {
    method: 'POST',
    path: endpoint.path,
    usage: `${endpoint.noun} are sent with POST`,
    errors,
    async handle(req, res, memory) {
      requestFormat(req, JSON_ONLY, 'application/json');
      await refuseEarly(sink, options.admissionWaitMs, req);
      const body = await readBody(req, options.maxBodyBytes, memory);
      const receivedAt = Date.now();
      const parsed = parseBody(body);
      if (Array.isArray(parsed) && parsed.length === 0) return answer(res, 202, JSON_UTF8, EMPTY_ANSWER);

      const checked = endpoint.validate(parsed);
      if (!checked.ok) {
        const message = ERRORS.OCT_ERR_INVALID_ITEMS.message(checked.total, checked.problems.length);
        throw new OctError('OCT_ERR_INVALID_ITEMS', message, checked.problems);
      }
      const { events, traceIds } = endpoint.toEvents(checked.items, receivedAt, options);
      const refusal = await admit(
        sink,
        events,
        options.admissionWaitMs,
        () => `the request holds ${traceIds.length} ${endpoint.noun} (${events.length} rows)`,
        'send smaller arrays',
      );
      if (refusal) throw refusal;
      stats.native_items_accepted += traceIds.length;
      answer(res, 202, JSON_UTF8, JSON.stringify({ accepted: traceIds.length, trace_ids: traceIds }));
    },
  };
}

/** The body as a JSON object or array, nested at most `MAX_JSON_DEPTH` levels. */
function parseBody(body: Buffer): object {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH))
    throw octError(
      'OCT_ERR_MALFORMED_BODY',
      `JSON nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects; oct accepts at most ${MAX_JSON_DEPTH}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    const reason = err instanceof TypeError ? 'the body is not valid UTF-8' : (err as Error).message;
    throw octError('OCT_ERR_MALFORMED_BODY', `invalid JSON: ${reason}`);
  }
  if (typeof value !== 'object' || value === null)
    throw octError('OCT_ERR_MALFORMED_BODY', 'expected a JSON object or an array of objects');
  return value;
}
