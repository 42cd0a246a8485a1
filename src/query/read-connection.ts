import Database from 'better-sqlite3';
import { ReadQueries } from './read-queries.js';

export interface ReaderData {
  dbPath: string;
  cacheMiB: number;
  busyTimeoutMs: number;
}

/** A read-only connection with the read API's queries on it; throws when the file is missing or not an oct database. */
export function openReadQueries(data: ReaderData): { db: Database.Database; queries: ReadQueries } {
  const db = new Database(data.dbPath, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs });
  try {
    db.pragma(`cache_size = -${data.cacheMiB * 1024}`);
    // Stats sort up to a month of calls: keep the sort out of temp files.
    db.pragma('temp_store = MEMORY');
    return { db, queries: new ReadQueries(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}
