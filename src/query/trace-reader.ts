import type { Config } from '../config/config.js';
import type { ErrorListItem, Page, StatsResult, TraceDetail, TraceListItem } from './answers.js';
import type { ErrorListParams, StatsParams, TraceListParams } from './params.js';
import { PostgresReader } from './postgres-reader.js';
import { ReadUnavailableError } from './reader-thread.js';
import { SqliteReader } from './sqlite-reader.js';

export { ReadUnavailableError };

/**
 * The read API as a component, whichever engine holds the data: reads never use the writer's
 * connection, and give the same answers on both. Start it after the exporter, which creates the tables.
 * Reads throw ParamError for a bad parameter and ReadUnavailableError when they cannot run now.
 */
export interface TraceReader {
  /** Resolves once the database can be read; rejects when it is missing or not an oct database. */
  start(): Promise<void>;
  listTraces(params: TraceListParams): Promise<Page<TraceListItem>>;
  /** Undefined for an unknown id (→ 404). */
  getTrace(traceId: string): Promise<TraceDetail | undefined>;
  listErrors(params: ErrorListParams): Promise<Page<ErrorListItem>>;
  stats(params: StatsParams): Promise<StatsResult>;
  /** Lets the reads already sent finish, then closes the connections. Idempotent; safe without start(). */
  shutdown(): Promise<void>;
}

/** The one place that picks the engine the read API reads: the one oct writes. */
export function createTraceReader(config: Pick<Config, 'databaseUrl' | 'dbPath'>): TraceReader {
  return config.databaseUrl === null ? new SqliteReader({ dbPath: config.dbPath }) : new PostgresReader({ url: config.databaseUrl });
}
