// Starts oct exactly as a user does (`node dist/main.js`, configured by OCT_* variables) and talks
// to it only over HTTP and through its SQLite file: its internals may change under the bench.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const live = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts oct on a random port. OCT_LOG_LEVEL=info, not warn: the "listening on …" start line is
 * logged at info, and it is the only way to learn the port oct picked. oct logs lifecycle events
 * only at info (never one line per request), so this costs nothing under load.
 */
export async function startOct(dbPath, extraEnv = {}) {
  const env = { ...process.env, OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DB_PATH: dbPath, OCT_LOG_LEVEL: 'info', ...extraEnv };
  // BENCH_OCT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles oct (Node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_OCT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(REPO, 'dist/main.js')], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`oct did not start within 15 s:\n${log}`)), 15_000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[^\s,]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oct exited with ${code} before listening:\n${log}`));
    });
  });
  return {
    pid: child.pid,
    url,
    dbPath,
    log: () => log,
    health: () => health(url),
    /** SIGTERM (oct drains and checkpoints), SIGKILL if it takes more than `ms`. */
    async stop(ms = 60_000) {
      if (child.exitCode !== null || child.signalCode) return child.exitCode;
      const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function health(url) {
  const res = await fetch(`${url}/healthz`);
  return res.json();
}

/** Waits until oct has written everything it admitted (`pipeline.pending` = 0). */
export async function waitDrained(oct, timeoutMs = 120_000) {
  const t0 = performance.now();
  for (;;) {
    const h = await oct.health();
    if (h.pipeline?.pending === 0) return { health: h, waitedMs: Math.round(performance.now() - t0) };
    if (performance.now() - t0 > timeoutMs) throw new Error(`oct still has ${h.pipeline?.pending} events pending after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Rows in the traces table, read through a separate read-only connection like a dashboard. */
export function countRows(dbPath, table = 'traces') {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n;
  } finally {
    db.close();
  }
}

/** Bytes of the database and its WAL. */
export function dbBytes(dbPath) {
  let total = 0;
  for (const f of [dbPath, `${dbPath}-wal`])
    try {
      total += fs.statSync(f).size;
    } catch {
      /* absent */
    }
  return total;
}

/** Bytes of the WAL file alone (0 when there is none). */
export function walBytes(dbPath) {
  try {
    return fs.statSync(`${dbPath}-wal`).size;
  } catch {
    return 0;
  }
}

export function removeDb(dbPath) {
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
}

/** Remembers a child process (oct or a load generator) so killAll() can end it. */
export function track(child) {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

/** Kills every process the bench started and that still runs (on exit, Ctrl-C or a crash). */
export function killAll() {
  for (const child of live) {
    try {
      // Detached children lead their own process group (wrk under bash): end the whole group.
      if (child.spawnargs[0] === 'bash') process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
