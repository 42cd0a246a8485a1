import type Database from 'better-sqlite3';
import { waitFor } from '../../helpers.js';

export const JSON_TYPE = { 'content-type': 'application/json' };

/** A native answer's JSON: `{accepted, trace_ids}` on 202, `{error, problems?}` otherwise. */
export interface NativeBody {
  accepted: number;
  trace_ids: string[];
  error: string;
  problems?: string[];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: NativeBody;
}

/** POSTs `body` (JSON-encoded unless it is already a string or bytes) to `url + path`. */
export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = JSON_TYPE): Promise<Answer> {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(url + path, { method: 'POST', headers, body: payload });
  return { status: res.status, headers: res.headers, body: (await res.json()) as NativeBody };
}

export async function health(url: string): Promise<{ pipeline: Record<string, number>; receiver: Record<string, number> }> {
  return (await fetch(`${url}/healthz`)).json() as never;
}

/** Waits until `table` holds `n` rows, then returns them all in insertion order. */
export async function rowsOf(db: Database.Database, table: 'traces' | 'errors', n: number): Promise<Record<string, unknown>[]> {
  const all = () => db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
  await waitFor(() => all().length >= n, 5_000, `${n} ${table} rows`);
  return all();
}
