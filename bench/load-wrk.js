// Runs wrk (one thread, keep-alive) with post.lua and returns its counters and its own CPU time.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { track } from './oct-process.js';

const LUA = path.join(path.dirname(new URL(import.meta.url).pathname), 'post.lua');

/**
 * opts: { url, secs, conns, manifest | bodyFile, urlPath, contentType, stampBase }
 * wrk runs under `bash -c '…; times'` so the shell reports wrk's user+system CPU when it exits.
 */
export function runWrk(opts) {
  const args = [
    '-t1',
    `-c${opts.conns}`,
    `-d${opts.secs}s`,
    '--timeout',
    '30s',
    '--latency',
    '-s',
    LUA,
    `${opts.url}${opts.urlPath ?? '/v1/traces'}`,
  ];
  const env = { ...process.env, URL_PATH: opts.urlPath ?? '/v1/traces', CONTENT_TYPE: opts.contentType ?? 'application/x-protobuf' };
  if (opts.manifest) Object.assign(env, { MANIFEST: opts.manifest, STAMP_BASE: String(opts.stampBase ?? 0) });
  else env.BODY_FILE = opts.bodyFile;
  const child = track(
    spawn('bash', ['-c', 'wrk "$@"; rc=$?; times; exit $rc', 'wrk', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const json = out.match(/WRKJSON (.*)/);
      if (code !== 0 || !json) return reject(new Error(`wrk failed (exit ${code}): ${err}${out}`));
      // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
      const t = [...out.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)].at(-1);
      const cpu = t ? 60 * t[1] + Number(t[2]) + 60 * t[3] + Number(t[4]) : null;
      const r = JSON.parse(json[1]);
      resolve({ ...r, secs: r.duration_us / 1e6, wrk_cpu_s: cpu });
    });
  });
}
