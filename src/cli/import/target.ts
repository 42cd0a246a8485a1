import type { NativeError, NativeTrace } from '../../model/native.js';
import type { LogsRequest, TracesRequest } from '../../model/otlp.js';

/** What a target made of one OTLP request's items. */
export interface Accepted {
  accepted: number;
  /** Items refused one by one (invalid ids); the others are accepted. */
  rejected: number;
  rejectionMessage: string | null;
}

export type NativeBatch = { kind: 'traces'; items: NativeTrace[] } | { kind: 'errors'; items: NativeError[] };

/** A record the target refused as a whole; reported at its file:line, the import goes on. */
export class RecordRefused extends Error {}

/**
 * Where `oct import` puts what it read: the pipeline and writer of a database (`--db`), or a
 * running oct (`--url`). Any error other than `RecordRefused` ends the import.
 */
export interface ImportTarget {
  start(): Promise<void>;
  /** `body` is the request as read, `request` the same decoded. */
  traces(body: Buffer, request: TracesRequest): Promise<Accepted>;
  logs(body: Buffer, request: LogsRequest): Promise<Accepted>;
  native(batch: NativeBatch): Promise<void>;
  /** For the progress line: rows written so far, or items the running oct acknowledged. */
  progress(): { count: number; unit: string };
  /** Waits until everything is written or acknowledged; one line saying where it went. */
  finish(): Promise<string>;
}
