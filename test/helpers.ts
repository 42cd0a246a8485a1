import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { defaultConfig, type Config } from '../src/config/config.js';
import type { Runtime } from '../dist/runtime.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A fresh folder, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-test-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunningOct {
  runtime: Runtime;
  url: string;
  /** `http://127.0.0.1:<port>` of the OTLP/gRPC receiver, as an exporter's `url`; unset when it is off. */
  grpcUrl: string | undefined;
  dbPath: string;
  /** A read-only connection to oct's database, as a dashboard would open it. */
  db: Database.Database;
}

/** Starts a real oct on a random loopback port with a temp database; stopped after the test. */
export async function startOct(overrides: Partial<Config> = {}): Promise<RunningOct> {
  // The built server, exactly what `npm start` runs (`npm test` builds first); the writer thread needs compiled JS.
  const { Runtime } = await import('../dist/runtime.js');
  const dbPath = path.join(tempDir(), 'oct.db');
  const runtime = new Runtime({ ...defaultConfig(), port: 0, grpcPort: 0, dbPath, logLevel: 'silent', ...overrides });
  const { url, grpcPort } = await runtime.start();
  const db = new Database(dbPath, { readonly: true });
  cleanups.push(async () => {
    db.close();
    await runtime.shutdown();
  });
  return { runtime, url, grpcUrl: grpcPort === undefined ? undefined : `http://127.0.0.1:${grpcPort}`, dbPath, db };
}

/**
 * Holds the database's write lock from another connection, as a user's maintenance command
 * would; oct's writer gets SQLITE_BUSY and retries until `release()` is called.
 */
export function lockDatabase(dbPath: string): { release: () => void } {
  const conn = new Database(dbPath, { timeout: 5_000 });
  conn.exec('BEGIN EXCLUSIVE');
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    conn.exec('COMMIT');
    conn.close();
  };
  cleanups.push(release);
  return { release };
}

/** Polls `probe` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | null | false | 0, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function count(db: Database.Database, table: 'traces' | 'errors', where = '1'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
}
