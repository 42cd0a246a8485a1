import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema.js';

/**
 * Page cache in MiB, filled within the first 100k rows and then most of oct's resident memory
 * after the V8 heaps. The random-key indexes outgrow any affordable cache within a few hundred
 * thousand rows, and a page missing from it is a cheap read from the OS cache: 16, 32 and 64 MiB
 * insert at the same rate up to 400k content rows (to 410k rows through the writer alone, 16 MiB
 * makes 1.1 more reads of the OS cache per row than 32 and 8 MiB 2.5 more, at 0.98× and 0.97× the
 * rate). A larger one costs CPU instead: while the file is under 1 GiB, SQLite scans the whole
 * page-cache hash table at each commit after a B-tree balance (6 % of the writer's CPU at 64 MiB,
 * 21 % at 256 MiB).
 */
const CACHE_MIB = 16;
/** How long one write waits for a lock held by another connection before reporting busy. */
const BUSY_TIMEOUT_MS = 100;

/**
 * NORMAL in WAL mode: a committed batch survives a crash of oct; a power cut may lose the last few.
 * FULL also syncs the WAL at each commit, so a commit that was acknowledged survives a power cut.
 */
export type Synchronous = 'NORMAL' | 'FULL';

/**
 * Opens (creating its folder if needed) and migrates the read-write connection, then proves it can
 * write: SQLite opens a file it may not write read-only without a word, and the first batch would fail.
 */
export function openDatabase(dbPath: string, synchronous: Synchronous = 'NORMAL'): Database.Database {
  fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const db = new Database(dbPath, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`cache_size = -${CACHE_MIB * 1024}`);
    // The checkpointer thread copies the WAL back (wal/), not the committing thread.
    db.pragma('wal_autocheckpoint = 0');
    // A restarting WAL is truncated, so its file size is its size (wal/catch-up.ts).
    db.pragma('journal_size_limit = 0');
    migrate(db);
    proveWritable(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** One real commit that changes nothing: rewriting the header's user_version. */
function proveWritable(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  db.transaction(() => db.pragma(`user_version = ${version}`)).immediate();
}

/** Folds the WAL back into the main file, so a stopped oct leaves one self-contained file. */
export function closeDatabase(db: Database.Database): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
