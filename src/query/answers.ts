import type { ErrorRow, TraceRow } from '../model/events.js';
import { encodeCursor, type CursorTable } from './cursor.js';
import { READ_LIMITS, type StatsBucket, type StatsGroup, type StatsParams } from './params.js';
import { PREVIEW_FLAGS } from './read-sql.js';

/** The read API's answers, shaped the same from either engine's rows. */

type JsonObject = Record<string, unknown>;

/** A `traces` row as the API returns it: JSON columns parsed. */
export type TraceItem = Omit<TraceRow, 'finish_reasons' | 'attributes' | 'resource_attributes'> & {
  finish_reasons: string[] | null;
  attributes: JsonObject | null;
  resource_attributes: JsonObject | null;
  created_at: number;
};
/** In lists and spans: input_text / output_text are previews of READ_LIMITS.previewChars characters. */
export type TraceListItem = TraceItem & { input_truncated: boolean; output_truncated: boolean };

export type ErrorItem = Omit<ErrorRow, 'attributes'> & { attributes: JsonObject | null; created_at: number };
/** In lists: message / stacktrace are previews of READ_LIMITS.errorPreviewChars characters. */
export type ErrorListItem = ErrorItem & { message_truncated: boolean; stacktrace_truncated: boolean };

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

export interface TraceDetail {
  trace: TraceItem;
  errors: ErrorItem[];
  spans: TraceListItem[];
  /** More than READ_LIMITS.maxLinkedErrors / maxSpans existed; the first ones are returned. */
  errors_truncated: boolean;
  spans_truncated: boolean;
}

export interface StatsRow {
  /** Epoch ms of the UTC hour or day the row covers. */
  bucket_start: number;
  /** Model, service or provider; null when not grouped or unknown. */
  group: string | null;
  calls: number;
  errors: number;
  /** Sums; null when no call of the row reported it. */
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: number | null;
  /** Nearest-rank percentiles of duration_ms; null when no call had one. */
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface StatsResult {
  since: number;
  until: number;
  bucket: StatsBucket;
  group: StatsGroup | null;
  /** Buckets without calls are left out. */
  rows: StatsRow[];
}

export type Raw = Record<string, unknown>;

const JSON_COLUMNS = ['attributes', 'resource_attributes', 'finish_reasons'];

/** A list's rows (`limit + 1` asked for, each with its `_key`) as one page and the cursor of the next. */
export function pageOf(table: CursorTable, rows: Raw[], limit: number): Page<unknown> {
  const more = rows.length > limit;
  if (more) rows.length = limit;
  const last = rows.at(-1);
  const time = table === 'traces' ? 'start_time' : 'occurred_at';
  const next = more && last ? encodeCursor(table, { time: last[time] as number, key: last._key as number | string }) : null;
  const items = rows.map((row) => {
    delete row._key;
    return shape(row, PREVIEW_FLAGS[table]);
  });
  return { items, next };
}

/** One trace's row, its linked errors and its OTel trace's spans (each asked for one beyond its limit). */
export function detailOf(trace: Raw, errors: Raw[], spans: Raw[]): TraceDetail {
  return {
    trace: shape(trace) as TraceItem,
    errors: errors.slice(0, READ_LIMITS.maxLinkedErrors).map((row) => shape(row)) as ErrorItem[],
    spans: spans.slice(0, READ_LIMITS.maxSpans).map((span) => shape(span, PREVIEW_FLAGS.traces)) as TraceListItem[],
    errors_truncated: errors.length > READ_LIMITS.maxLinkedErrors,
    spans_truncated: spans.length > READ_LIMITS.maxSpans,
  };
}

export function statsOf(params: StatsParams, rows: StatsRow[]): StatsResult {
  return { since: params.since, until: params.until, bucket: params.bucket, group: params.group ?? null, rows };
}

/** JSON columns parsed (SQLite's are text; PostgreSQL's JSONB arrive parsed), preview flags as booleans. */
function shape(row: Raw, flags: readonly string[] = []): Raw {
  for (const flag of flags) row[flag] = row[flag] === 1;
  for (const column of JSON_COLUMNS) {
    const value = row[column];
    if (typeof value !== 'string') continue;
    try {
      row[column] = JSON.parse(value);
    } catch {
      // Storage only writes valid JSON; anything else (a hand-edited row) stays text.
    }
  }
  return row;
}
