import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { WAITING_QUEUES } from '../../src/pipeline/admission.js';
import { RSS_OVERHEAD_MIB, RSS_PER_INFLIGHT_BYTE } from '../../src/receiver/inflight-budget.js';
import { count, lockDatabase, startOct, tempDir, waitFor, type RunningOct } from '../helpers.js';
import { chatSpans, rawClient, TRACE_PATH } from './grpc/grpc-client.js';

const KIB = 1024;
const MIB = 1024 * KIB;
// The smallest budget a 256 KiB body limit allows: 4 bodies' worth.
const LIMITS = { maxBodyBytes: 256 * KIB, maxInflightMb: 1 };

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/**
 * A native POST declaring `body`'s length that sends its first KiB at once and the rest only
 * when `finish` is called, so the request is in flight (its declared bytes reserved) meanwhile.
 */
function heldPost(url: string, body: string, route = '/api/v1/traces') {
  const req = http.request(url + route, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, KIB));
  return { answer, finish: () => req.end(body.slice(KIB)) };
}

const trace = (i: number, bytes: number) => JSON.stringify({ model: `m${i}`, input: 'x'.repeat(bytes) });
const inflight = (oct: RunningOct) => oct.runtime.health().receiver.inflight;

describe('the in-flight memory budget (OCT_MAX_INFLIGHT_MB)', () => {
  it('refuses requests past the budget with 503 + Retry-After before holding their bodies, stores all the others, and gives every byte back', async () => {
    const oct = await startOct(LIMITS);
    // 100 KB bodies reserve 300 KB each (the body and its decoded estimate): three fit in 1 MiB.
    const posts = Array.from({ length: 6 }, (_, i) => heldPost(oct.url, trace(i, 100_000)));
    await waitFor(() => inflight(oct).refused_requests === 3, 5_000, 'three requests to be refused on their headers');
    expect(inflight(oct).bytes).toBe(3 * 3 * Buffer.byteLength(trace(0, 100_000)));
    for (const p of posts) p.finish();
    const answers = await Promise.all(posts.map((p) => p.answer));
    const refused = answers.find((a) => a.status === 503)!;
    expect((JSON.parse(refused.body) as { error: string }).error).toMatch(/OCT_MAX_INFLIGHT_MB = 1 MiB/);
    for (const a of answers) expect([202, 503]).toContain(a.status);
    for (const a of answers.filter((a) => a.status === 503)) expect(a.retryAfter).toBe('1');
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted).toBe(3);

    await waitFor(() => oct.runtime.health().pipeline.pending === 0, 5_000, 'the accepted rows to be written');
    expect(count(oct.db, 'traces')).toBe(accepted);
    expect(inflight(oct)).toMatchObject({ bytes: 0, max_bytes: MIB, refused_requests: 6 - accepted });
    expect(inflight(oct).peak_bytes).toBeLessThanOrEqual(MIB);
    expect(oct.runtime.health().receiver.native_requests_failed).toBe(6 - accepted);
  });

  it('gives the budget back after every kind of failure, on HTTP and gRPC', async () => {
    const oct = await startOct(LIMITS);
    const post = (headers: Record<string, string>, body: Buffer | string, route = '/api/v1/traces') =>
      fetch(oct.url + route, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
    const hangUp = new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(new URL(oct.url).port), '127.0.0.1', () => {
        socket.write(
          'POST /api/v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"model":',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const grpcClient = rawClient(oct.grpcUrl!);
    const grpcCode = (body: Buffer) =>
      grpcClient.call(TRACE_PATH, body).then(
        () => 0,
        (err: grpc.ServiceError) => err.code,
      );
    const statuses = await Promise.all([
      post({}, '{"model": '),
      post({}, '{"model": "m", "bogus": 1}'),
      post({ 'content-encoding': 'gzip' }, Buffer.from('not gzip')),
      post({ 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.alloc(2 * MIB, 0x20))),
      post({}, 'x'.repeat(300 * KIB)),
      post({}, trace(1, 1000)),
      post({ 'content-type': 'application/x-protobuf' }, chatSpans(3, { first: 1 }), '/v1/traces'),
      post({ 'content-type': 'text/plain' }, 'x'),
      grpcCode(chatSpans(2, { first: 10 })),
      grpcCode(Buffer.from([0xff, 0xff])),
      hangUp.then(() => 'hung up'),
    ]);
    grpcClient.close();
    expect(statuses).toEqual([400, 400, 400, 413, 413, 202, 200, 415, 0, 3, 'hung up']);
    await waitFor(() => inflight(oct).bytes === 0, 2_000, 'the budget to be given back');
    expect(inflight(oct).refused_requests).toBe(0);
  });

  it('answers a gRPC export past the budget UNAVAILABLE, and takes it once the budget has room', async () => {
    const oct = await startOct(LIMITS);
    const held = Array.from({ length: 3 }, (_, i) => heldPost(oct.url, trace(i, 100_000)));
    await waitFor(
      () => inflight(oct).bytes === 3 * 3 * Buffer.byteLength(trace(0, 100_000)),
      2_000,
      'the held requests to reserve their bytes',
    );
    const client = rawClient(oct.grpcUrl!);
    try {
      const body = chatSpans(1, { first: 1, input: 'y'.repeat(100 * KIB) });
      await expect(client.call(TRACE_PATH, body)).rejects.toMatchObject({
        code: 14,
        details: expect.stringMatching(/OCT_MAX_INFLIGHT_MB/) as unknown,
      });
      for (const p of held) p.finish();
      await Promise.all(held.map((p) => p.answer));
      await waitFor(() => inflight(oct).bytes === 0, 2_000, 'the held requests to be answered');
      await client.call(TRACE_PATH, body);
    } finally {
      client.close();
    }
  });

  it('refuses OCT_MAX_INFLIGHT_MB below four of the largest bodies at start-up', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    expect(loadConfig({ OCT_MAX_BODY_BYTES: String(64 * MIB), OCT_MAX_INFLIGHT_MB: '255' })).toEqual({
      ok: false,
      errors: [
        "OCT_MAX_INFLIGHT_MB is invalid: expected at least 4 × OCT_MAX_BODY_BYTES (256), so the largest request fits (actual: '255')",
      ],
    });
    expect(loadConfig({ OCT_MAX_BODY_BYTES: String(8 * MIB), OCT_MAX_INFLIGHT_MB: '32' }).ok).toBe(true);
  });

  it('keeps the peak RSS of a process under concurrent gzip bombs within the documented bound', async () => {
    const maxBody = 8 * MIB;
    const budgetMb = 32;
    const dir = tempDir();
    const child = spawn(process.execPath, [new URL('../../dist/main.js', import.meta.url).pathname], {
      env: {
        PATH: process.env.PATH ?? '',
        OCT_PORT: '0',
        OCT_GRPC_PORT: '0',
        OCT_DB_PATH: path.join(dir, 'oct.db'),
        OCT_MAX_BODY_BYTES: String(maxBody),
        OCT_MAX_INFLIGHT_MB: String(budgetMb),
      },
    });
    try {
      let log = '';
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const url = await waitFor(() => /listening on (http:\/\/[^\s,]+)/.exec(log)?.[1], 15_000, 'oct to listen');
      const kib = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
      const idle = kib('VmRSS') / 1024;
      // A valid OTLP request inflating to just under the limit: one span whose prompt is words repeated.
      const bomb = zlib.gzipSync(chatSpans(1, { input: 'the model answers the prompt '.repeat((maxBody - 4 * KIB) / 29) }));
      const post = () =>
        fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
          body: bomb,
        }).then((r) => r.status);
      const statuses = await Promise.all(Array.from({ length: 8 }, post));
      const peak = kib('VmHWM') / 1024;
      // Bombs inflating at once compete for the budget: some, or all, are refused.
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(peak).toBeLessThan(idle + RSS_OVERHEAD_MIB + budgetMb * RSS_PER_INFLIGHT_BYTE);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { receiver: { inflight: { bytes: number } } };
      expect(health.receiver.inflight.bytes).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('a full queue', () => {
  it('refuses a request before reading its body when it could not even wait for room', async () => {
    const oct = await startOct({ queueCapacity: 10, batchMaxRows: 10, admissionWaitMs: 3_000 });
    const lock = lockDatabase(oct.dbPath);
    const items = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ model: `m${i}` })));
    const post = (body: string) =>
      fetch(`${oct.url}/api/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
    expect(await post(items(10))).toBe(202);
    // The writer is held by the lock: 80 events wait, all the waiting room holds (8 queues' worth).
    const waiting = Array.from({ length: WAITING_QUEUES }, () => post(items(10)));
    await waitFor(() => oct.runtime.health().pipeline.waiting_requests === WAITING_QUEUES, 2_000, 'the waiting room to fill');

    // Not even parsed: malformed JSON would otherwise be a 400.
    const refused = await fetch(`${oct.url}/api/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'queue is full; retry later' });

    lock.release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([202]));
    await waitFor(() => oct.runtime.health().pipeline.pending === 0, 5_000, 'the rows to be written');
    expect(count(oct.db, 'traces')).toBe(10 + 10 * WAITING_QUEUES);
  });
});
