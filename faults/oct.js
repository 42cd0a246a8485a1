// oct as the fault suite drives it: a real process (bench/oct-process.js starts it, exactly as
// `npm start` does), signalled and watched from outside by its pid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { startOct, track } from '../bench/oct-process.js';

export { startOct };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh folder for one probe's database. */
export function tempDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oct-faults-${name}-`));
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` and resolves with the milliseconds until the process is gone. Node reaps its
 * children as soon as they exit, so the pid disappears within the 2 ms poll of the exit.
 */
export async function signalAndWait(pid, signal, timeoutMs = 60_000) {
  const t0 = performance.now();
  process.kill(pid, signal);
  while (alive(pid)) {
    if (performance.now() - t0 > timeoutMs) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`oct did not exit within ${timeoutMs} ms of ${signal}`);
    }
    await sleep(2);
  }
  return performance.now() - t0;
}

/** `PRAGMA integrity_check` through a connection of our own (it replays a crashed WAL, as oct's next start would). */
export function integrityCheck(dbPath) {
  const db = new Database(dbPath);
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

/** The default of an OCT_* setting as README's "Configuration" table states it (a test keeps that table equal to the code). */
export function readmeDefault(readme, variable) {
  const m = readme.match(new RegExp(`^\\| \`${variable}\` \\| \`([^\`]+)\``, 'm'));
  return m ? m[1] : null;
}

/** host:port of oct's OTLP/gRPC listener, from its start line. */
export function grpcAddress(oct) {
  const m = oct.log().match(/OTLP\/gRPC on (\S+?),/);
  if (!m) throw new Error(`no OTLP/gRPC address in oct's start line:\n${oct.log()}`);
  return m[1];
}

/** Runs holder.js (`read`: a snapshot, `write`: the write lock) for `ms`; resolves once it holds it, with a promise of its release. */
export function hold(dbPath, mode, ms) {
  const child = track(
    spawn(process.execPath, [new URL('holder.js', import.meta.url).pathname, dbPath, mode, String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let out = '';
  const released = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (!out.includes('held')) reject(new Error(`holder (${mode}) exited with ${code} before holding`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (out.startsWith('held\n')) resolve({ heldAt: performance.now(), released });
    });
  });
}
