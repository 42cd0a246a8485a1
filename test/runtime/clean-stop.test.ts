import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers.js';
import { chatSpans, rawClient, TRACE_PATH } from '../receiver/grpc/grpc-client.js';

// SIGTERM under load, on keep-alive connections: what was answered 200 is stored, what comes after
// the signal is answered 503 + Connection: close or finds the port closed, no request oct had begun
// to read is reset, and the process is gone well within a second plus the drain.

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

async function startOct(env: Record<string, string> = {}) {
  const dbPath = path.join(tempDir(), 'oct.db');
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', OCT_PORT: '0', OCT_GRPC_PORT: '0', OCT_DB_PATH: dbPath, ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: performance.now() })),
  );
  const line = await waitFor(() => /listening on (http:\/\/\S+), OTLP\/gRPC on \S+:(\d+),/.exec(output), 10_000, 'the listening line');
  return { child, exit, url: line[1], grpcPort: Number(line[2]), dbPath, output: () => output };
}

const SPANS = 20;

/** OTLP/JSON with SPANS chat spans whose span ids say which client and which request they came from. */
function request(client: number, seq: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS }, (_, i) => ({
    traceId: (client + 1).toString(16).padStart(32, '0'),
    spanId: spanId(client, seq, i),
    name: 'chat m',
    kind: 3,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'm' } },
    ],
  }));
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
}
const spanId = (client: number, seq: number, i: number) => (client * 1_000_000 + seq * SPANS + i + 1).toString(16).padStart(16, '0');

type Outcome = { status: number; connection: string | undefined; retryAfter: string | undefined; body: string } | { error: string };

function post(url: string, body: string, agent: http.Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, retryAfter: res.headers['retry-after'], body: text }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

/** A raw connection: what the server sent, and whether (and when) it closed. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  return { socket, received: () => received, closed, connected: new Promise((r) => socket.once('connect', r)) };
}

/** Whether a connection to `port` is refused (one that is not is closed at once). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(true));
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('SIGTERM', () => {
  it('under HTTP load on keep-alive connections: answered means stored, then 503 + Connection: close or refused, never a reset', async () => {
    const oct = await startOct();
    const port = Number(new URL(oct.url).port);
    let signalAt = 0;
    let stop = false;
    const acknowledged: string[] = [];
    const after: Outcome[] = [];
    let lastOkAfterSignal = 0;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let seq = 0; !stop; seq++) {
        const outcome = await post(oct.url, request(client, seq), agent);
        if (signalAt > 0) after.push(outcome);
        if ('status' in outcome && outcome.status === 200) {
          for (let i = 0; i < SPANS; i++) acknowledged.push(spanId(client, seq, i));
          if (signalAt > 0) lastOkAfterSignal = performance.now() - signalAt;
        }
        if ('error' in outcome) break;
      }
      agent.destroy();
    });

    // Beside the load: an idle keep-alive connection, one whose headers straddle the signal, one whose body does.
    const idle = connect(port);
    await idle.connected;
    idle.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await waitFor(() => idle.received().includes('\r\n\r\n'), 5_000, 'the idle connection answered');
    const body = request(100, 0);
    const headers = `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const headersStraddle = connect(port);
    const bodyStraddle = connect(port);
    await Promise.all([headersStraddle.connected, bodyStraddle.connected]);
    headersStraddle.socket.write(headers.slice(0, 20));
    bodyStraddle.socket.write(headers + body.slice(0, 100));

    await new Promise((r) => setTimeout(r, 1_000));
    signalAt = performance.now();
    oct.child.kill('SIGTERM');
    // The straddlers finish once oct is surely stopping: its listener is closed.
    while (!(await refused(port))) await new Promise((r) => setTimeout(r, 10));
    headersStraddle.socket.write(headers.slice(20) + body);
    bodyStraddle.socket.write(body.slice(100));

    const { code, at: exitAt } = await oct.exit;
    stop = true;
    await Promise.all(clients);
    expect(code).toBe(0);

    // Every 200 is in the database.
    const db = new Database(oct.dbPath, { readonly: true });
    const stored = new Set((db.prepare('SELECT otel_span_id AS id FROM traces').all() as { id: string }[]).map((r) => r.id));
    db.close();
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    // After the signal: the requests in flight answered 200, then 503 + Connection: close or a refused connection; no reset.
    const kinds = after.map((o) => ('error' in o ? o.error : `${o.status}${o.status === 503 ? ` ${o.connection} ${o.retryAfter}` : ''}`));
    expect(new Set(kinds)).toEqual(new Set(kinds.filter((k) => ['200', '503 close 1', 'ECONNREFUSED'].includes(k))));
    expect(kinds.filter((k) => k === 'ECONNREFUSED')).toHaveLength(8);
    // No continued acceptance: the last 200 was a request already in flight when the signal came.
    expect(lastOkAfterSignal).toBeLessThan(1_500);

    // The idle connection was closed without an answer; the straddlers were answered, not reset.
    expect((await idle.closed) - signalAt).toBeLessThan(1_500);
    await Promise.all([headersStraddle.closed, bodyStraddle.closed]);
    const [head503, body503] = headersStraddle.received().split('\r\n\r\n');
    expect(head503).toMatch(/^HTTP\/1\.1 503 /);
    expect(head503.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body503)).toEqual({ code: 14, message: 'oct is shutting down; retry later' });
    expect(bodyStraddle.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*connection: close/i);
    expect(stored.has(spanId(100, 0, 0))).toBe(true);

    // Signal → exit: well under a second plus the drain (tolerant: the machine is shared).
    expect(exitAt - signalAt).toBeLessThan(3_000);
    expect(oct.output()).toMatch(/stopped in \d+ ms: \d+ events persisted, 0 duplicates, 0 failed, 0 lost/);
  });

  it('under gRPC load: answered OK means stored, later calls fail UNAVAILABLE, none is cut off otherwise', async () => {
    const oct = await startOct();
    let signalAt = 0;
    let stop = false;
    const acknowledged: number[] = [];
    const codes = new Set<grpc.status>();
    const clients = Array.from({ length: 4 }, async (_, client) => {
      const c = rawClient(`http://127.0.0.1:${oct.grpcPort}`);
      for (let seq = 0; !stop; seq++) {
        const first = client * 1_000_000 + seq * SPANS + 1;
        const code = await c.call(TRACE_PATH, chatSpans(SPANS, { first, traceId: client + 1 })).then(
          () => grpc.status.OK,
          (err: grpc.ServiceError) => err.code,
        );
        if (signalAt > 0) codes.add(code);
        if (code === grpc.status.OK) for (let i = 0; i < SPANS; i++) acknowledged.push(first + i);
        else if (signalAt > 0) break;
      }
      c.close();
    });
    await new Promise((r) => setTimeout(r, 1_000));
    signalAt = performance.now();
    oct.child.kill('SIGTERM');
    const { code, at: exitAt } = await oct.exit;
    stop = true;
    await Promise.all(clients);
    expect(code).toBe(0);
    const db = new Database(oct.dbPath, { readonly: true });
    const stored = new Set((db.prepare('SELECT otel_span_id AS id FROM traces').all() as { id: string }[]).map((r) => r.id));
    db.close();
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((n) => !stored.has(n.toString(16).padStart(16, '0')))).toEqual([]);
    expect([...codes].filter((c) => c !== grpc.status.OK && c !== grpc.status.UNAVAILABLE)).toEqual([]);
    expect(exitAt - signalAt).toBeLessThan(3_000);
  });
});
