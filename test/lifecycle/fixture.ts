import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import { waitFor } from '../helpers.js';

/**
 * A small file system of its own (tmpfs, which needs root), or the reason it cannot be had here.
 * Unmount with `unmount()`.
 */
export function mountTmpfs(sizeMb: number): { dir: string; unmount: () => void } | { skip: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmdirSync(dir);
    return { skip: `cannot mount a tmpfs here (needs root): ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir]);
      fs.rmdirSync(dir);
    },
  };
}

/**
 * A small ext4 file system in a loop-mounted image (needs root), or the reason it cannot be had
 * here. Unlike tmpfs, ext4 refuses writes through already-open files once they are made immutable.
 */
export function mountExt4(sizeMb: number): { dir: string; unmount: () => void } | { skip: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-ext4-'));
  const image = `${dir}.img`;
  try {
    execFileSync('truncate', ['-s', `${sizeMb}M`, image], { stdio: 'pipe' });
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(image, { force: true });
    fs.rmdirSync(dir);
    return { skip: `cannot loop-mount an ext4 image here (needs root and a loop device): ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir]);
      fs.rmdirSync(dir);
      fs.rmSync(image, { force: true });
    },
  };
}

/** An OTLP/JSON request of `n` GenAI chat spans of one trace, each with `textBytes` of prompt. */
export function chatRequest(traceId: string, n: number, textBytes: number, firstSpan = 1): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: (firstSpan + i).toString(16).padStart(16, '0'),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_500_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
      { key: 'gen_ai.prompt.0.role', value: { stringValue: 'user' } },
      { key: 'gen_ai.prompt.0.content', value: { stringValue: `${i} `.padEnd(textBytes, 'x') } },
    ],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
}

export const hexId = (n: number, digits: number) => n.toString(16).padStart(digits, '0');

export async function postTraces(url: string, body: string): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
}

export async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health;
}

export interface Health {
  status: string;
  pipeline: { persisted: number; failed: number; pending: number; refused: number };
  storage: {
    writable: boolean;
    reason: string | null;
    since: number | null;
    database_bytes?: number;
    free_pages?: number;
    retention?: { passes: number; last_pass_transactions: number; last_error: string | null; deleted: { traces: number; errors: number } };
  };
}

// The built server (`npm test` builds first), exactly as `npm start` runs it.
const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

export interface OctProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

export function startProcess(env: Record<string, string>): OctProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', OCT_GRPC_PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function listening(oct: OctProcess): Promise<string> {
  return waitFor(() => oct.output().match(/listening on (http:\/\/\S+),/)?.[1], 15_000, `the listening line in: ${oct.output()}`);
}

export interface Load {
  acknowledged: Set<string>;
  refusals: string[];
  stop: () => Promise<void>;
}

/**
 * Four clients sending 20 spans of 2 KB each, retrying a 503 after 50 ms as an OTLP SDK would
 * (after Retry-After), each pausing `pauseMs` between requests.
 */
export function load(url: string, pauseMs = 0): Load {
  const acknowledged = new Set<string>();
  const refusals: string[] = [];
  let running = true;
  let request = 0;
  const client = async () => {
    while (running) {
      const traceId = hexId(++request, 32);
      const body = chatRequest(traceId, 20, 2_000);
      for (;;) {
        const res = await postTraces(url, body);
        if (res.status === 200) {
          for (let s = 1; s <= 20; s++) acknowledged.add(`${traceId}/${hexId(s, 16)}`);
          if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
          break;
        }
        expect(res.status).toBe(503);
        expect(res.retryAfter).toBe('1');
        refusals.push(res.text);
        if (!running) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const clients = [client(), client(), client(), client()];
  return {
    acknowledged,
    refusals,
    stop: async () => {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** Acknowledged spans not (yet) in the database. */
export function missing(traffic: Load, db: Database.Database): string[] {
  const rows = db.prepare('SELECT otel_trace_id AS t, otel_span_id AS s FROM traces').all() as { t: string; s: string }[];
  const stored = new Set(rows.map((r) => `${r.t}/${r.s}`));
  return [...traffic.acknowledged].filter((id) => !stored.has(id));
}
