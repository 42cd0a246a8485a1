import type { ErrorOrigin, TraceKind } from '../model/events.js';
import { decodeCursor, type Cursor, type CursorTable } from './cursor.js';

/** A query string as express parses it. */
export type QueryString = Record<string, string | string[] | undefined>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every bound of the read API; README "Read API" documents them. */
export const READ_LIMITS = {
  defaultLimit: 50,
  maxLimit: 500,
  /** Characters of input_text / output_text in list items and spans. */
  previewChars: 500,
  /** Characters of message / stacktrace in error list items. */
  errorPreviewChars: 2_000,
  /** Spans and linked errors returned with one trace. */
  maxSpans: 1_000,
  maxLinkedErrors: 500,
  /** Window of a `q` search without `since`, and the widest one allowed. */
  searchDefaultWindowMs: 7 * DAY,
  searchMaxWindowMs: 31 * DAY,
  maxValueChars: 512,
  statsDefaultWindowMs: { hour: DAY, day: 30 * DAY, all: 30 * DAY },
  statsMaxWindowMs: { hour: 31 * DAY, day: 400 * DAY, all: 400 * DAY },
} as const;

/** A bad parameter; the HTTP layer answers 400 with the message. */
export class ParamError extends Error {
  readonly param: string;
  constructor(param: string, problem: string) {
    super(`${param}: ${problem}`);
    this.name = 'ParamError';
    this.param = param;
  }
}

interface ListParams {
  limit: number;
  cursor?: Cursor;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Case-insensitive (ASCII) substring. */
  q?: string;
}

export interface TraceListParams extends ListParams {
  model?: string;
  provider?: string;
  service?: string;
  kind?: TraceKind;
  status?: 'ok' | 'error';
  convention?: string;
  otel_trace_id?: string;
  conversation_id?: string;
  user_id?: string;
}

export interface ErrorListParams extends ListParams {
  service?: string;
  error_type?: string;
  origin?: ErrorOrigin;
  otel_trace_id?: string;
  llm_trace_id?: string;
}

/** `all`: the whole window is one bucket, so its percentiles are the window's. */
export type StatsBucket = 'hour' | 'day' | 'all';
export type StatsGroup = 'model' | 'service' | 'provider';

export interface StatsParams {
  since: number;
  until: number;
  bucket: StatsBucket;
  group?: StatsGroup;
}

type Parser<T> = (value: string, name: string) => T;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MAX_TIME = 8.64e15;

const time: Parser<number> = (value, name) => {
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : RFC3339.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_TIME) {
    throw new ParamError(name, 'expected an RFC 3339 time with a time zone (2024-05-01T12:00:00Z) or epoch milliseconds');
  }
  return Math.floor(ms);
};

const text: Parser<string> = (value, name) => {
  if (value.length > READ_LIMITS.maxValueChars) throw new ParamError(name, `expected at most ${READ_LIMITS.maxValueChars} characters`);
  return value;
};

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (value, name) => {
    if (!(values as string[]).includes(value)) throw new ParamError(name, `expected one of ${values.join(', ')}`);
    return value as T;
  };

const hex =
  (digits: number): Parser<string> =>
  (value, name) => {
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(value)) throw new ParamError(name, `expected ${digits} hex digits`);
    return value.toLowerCase();
  };

const uuid: Parser<string> = (value, name) => {
  if (!/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(value)) throw new ParamError(name, 'expected a UUID');
  return value.toLowerCase();
};

const limit: Parser<number> = (value, name) => {
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= READ_LIMITS.maxLimit)) throw new ParamError(name, `expected an integer from 1 to ${READ_LIMITS.maxLimit}`);
  return n;
};

const cursor =
  (table: CursorTable): Parser<Cursor> =>
  (value, name) => {
    const decoded = decodeCursor(table, value);
    if (!decoded) throw new ParamError(name, 'expected the `next` value of an earlier page of this list');
    return decoded;
  };

type Spec = Record<string, Parser<unknown>>;
type Parsed<S extends Spec> = { -readonly [K in keyof S]?: ReturnType<S[K]> };

/** Applies `spec` to every parameter; unknown or repeated ones are errors, empty ones count as not given. */
function read<S extends Spec>(query: QueryString, spec: S): Parsed<S> {
  const unknown = Object.keys(query).filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length > 0) {
    const what = unknown.length === 1 ? 'unknown parameter' : 'unknown parameters';
    throw new ParamError(unknown.join(', '), `${what}; this route accepts ${Object.keys(spec).join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(spec)) {
    const value = query[name];
    if (Array.isArray(value)) throw new ParamError(name, 'given more than once');
    if (value !== undefined && value !== '') out[name] = parse(value, name);
  }
  return out as Parsed<S>;
}

function checkOrder(since: number | undefined, until: number | undefined): void {
  if (since !== undefined && until !== undefined && until <= since) throw new ParamError('until', 'must be later than since');
}

const listSpec = (table: CursorTable) => ({ limit, cursor: cursor(table), since: time, until: time, q: text });

/** Common to both lists: the default limit, and the window a `q` search is held to. */
function finishList<P extends Parsed<ReturnType<typeof listSpec>>>(parsed: P, now: number): P & { limit: number } {
  checkOrder(parsed.since, parsed.until);
  if (parsed.q !== undefined) {
    parsed.since ??= (parsed.until ?? now) - READ_LIMITS.searchDefaultWindowMs;
    if ((parsed.until ?? now) - parsed.since > READ_LIMITS.searchMaxWindowMs) {
      throw new ParamError('since', 'a q search covers at most 31 days; narrow since/until');
    }
  }
  return { ...parsed, limit: parsed.limit ?? READ_LIMITS.defaultLimit };
}

const traceListSpec = {
  ...listSpec('traces'),
  model: text,
  provider: text,
  service: text,
  kind: oneOf<TraceKind>('llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'),
  status: oneOf('ok', 'error'),
  convention: text,
  otel_trace_id: hex(32),
  conversation_id: text,
  user_id: text,
};

const errorListSpec = {
  ...listSpec('errors'),
  service: text,
  error_type: text,
  origin: oneOf<ErrorOrigin>('exception_event', 'span_status', 'native'),
  otel_trace_id: hex(32),
  llm_trace_id: uuid,
};

/** `GET /api/v1/traces`; throws ParamError. `now` (epoch ms) anchors default windows. */
export function parseTraceListParams(query: QueryString, now = Date.now()): TraceListParams {
  return finishList(read(query, traceListSpec), now);
}

/** `GET /api/v1/errors`; throws ParamError. */
export function parseErrorListParams(query: QueryString, now = Date.now()): ErrorListParams {
  return finishList(read(query, errorListSpec), now);
}

/** `GET /api/v1/stats`; throws ParamError. Defaults: bucket hour, the last day (hour) or 30 days (day). */
export function parseStatsParams(query: QueryString, now = Date.now()): StatsParams {
  const parsed = read(query, {
    since: time,
    until: time,
    bucket: oneOf<StatsBucket>('hour', 'day', 'all'),
    group: oneOf<StatsGroup>('model', 'service', 'provider'),
  });
  const bucket = parsed.bucket ?? 'hour';
  const until = parsed.until ?? now;
  const since = parsed.since ?? until - READ_LIMITS.statsDefaultWindowMs[bucket];
  checkOrder(since, until);
  const max = READ_LIMITS.statsMaxWindowMs[bucket];
  if (until - since > max)
    throw new ParamError(
      'since',
      `stats ${bucket === 'all' ? 'over one window' : `by ${bucket}`} cover at most ${max / DAY} days; narrow since/until`,
    );
  return parsed.group ? { since, until, bucket, group: parsed.group } : { since, until, bucket };
}
