// The `postgres` scenario of `npm run bench`: oct on PostgreSQL, one and three oct processes on one
// database, content and testbed bodies from a closed-loop Node client, next to the same-run ceiling
// of direct batched writes into the same schema (multi-row INSERT and COPY, 50 rows per transaction,
// one and three connections). Starts its own PostgreSQL (Debian package, default durability) in a
// temp folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { buildPayloads, stamp, timeOffsetsOf } from './payloads.js';
import { startOct } from './oct-process.js';
import { PostgresExporter } from '../dist/storage/postgres/postgres-exporter.js';
import { TRACES_INSERT } from '../dist/storage/postgres/schema.js';
import { createLogger } from '../dist/logger.js';

const CEILING_ROWS = 20_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs every PostgreSQL scenario with `secs` of load each; the rows of the report. */
export async function postgres({ secs: SECS }) {
  // Its own folder under the system's: the server runs as the postgres user, who cannot enter the bench's.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-bench-pg-'));

  // --- a PostgreSQL server of its own --------------------------------------------------------------
  const bin = (() => {
    const root = '/usr/lib/postgresql';
    const v = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
    return path.join(root, v, 'bin');
  })();
  const asRoot = process.getuid() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', tmp]);
  const as = (cmd, a) =>
    execFileSync(asRoot ? 'runuser' : path.join(bin, cmd), asRoot ? ['-u', 'postgres', '--', path.join(bin, cmd), ...a] : a);
  const data = path.join(tmp, 'data');
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  as('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale', 'C']);
  as('pg_ctl', [
    '-D',
    data,
    '-o',
    `-p ${port} -k ${tmp} -c listen_addresses=127.0.0.1 -c max_connections=50`,
    '-l',
    path.join(tmp, 'pg.log'),
    '-w',
    'start',
  ]);
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let dbs = 0;
  async function freshDatabase() {
    const c = new pg.Client(admin);
    await c.connect();
    const name = `bench_${++dbs}`;
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const url = `postgres://postgres@127.0.0.1:${port}/${name}`;
    // Migrated by oct itself, so the ceiling writes into exactly oct's schema.
    const exporter = new PostgresExporter({ url, maxTextBytes: 65_536, pendingContentTtlS: 600 }, createLogger('silent'));
    await exporter.start();
    await exporter.shutdown();
    return url;
  }
  async function countTraces(url) {
    const c = new pg.Client(url);
    await c.connect();
    const { rows } = await c.query('SELECT count(*)::int AS n FROM traces');
    await c.end();
    return rows[0].n;
  }

  // --- oct end to end ---------------------------------------------------------------------------------
  const payloads = buildPayloads(path.join(tmp, 'payloads'), { contentBodies: 4, testbedBodies: 4 });
  let stampBase = 0;

  /** Closed loop: `conns` senders per oct for SECS seconds; a 503 is retried after 10 ms, like an SDK. */
  async function load(octs, bodies, conns) {
    const templates = bodies.map((b) => {
      const buf = fs.readFileSync(b.file);
      return { ...b, buf, timeOffsets: timeOffsetsOf(buf, 'bin') };
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    let next = 0,
      ok = 0,
      refused = 0;
    const deadline = performance.now() + SECS * 1000;
    const post = (url, body) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          `${url}/v1/traces`,
          { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const sender = async (oct) => {
      while (performance.now() < deadline) {
        const t = templates[next++ % templates.length];
        const body = stamp(t.buf, t.offsets, 'bin', ++stampBase, t.timeOffsets);
        for (;;) {
          const status = await post(oct.url, body);
          if (status === 200) {
            ok++;
            break;
          }
          if (status !== 503) throw new Error(`oct answered ${status}`);
          refused++;
          await sleep(10);
        }
      }
    };
    const started = performance.now();
    await Promise.all(octs.flatMap((oct) => Array.from({ length: conns }, () => sender(oct))));
    const loadSecs = (performance.now() - started) / 1000;
    agent.destroy();
    return { ok, refused, loadSecs, started };
  }

  async function octScenario(name, bodies, processes) {
    const url = await freshDatabase();
    const octs = await Promise.all(
      Array.from({ length: processes }, () => startOct('', { OCT_DATABASE_URL: url, OCT_DB_PATH: '', OCT_LOG_LEVEL: 'info' })),
    );
    try {
      const { ok, refused, loadSecs, started } = await load(octs, bodies, 4);
      for (;;) {
        const healths = await Promise.all(octs.map((o) => o.health()));
        if (healths.every((h) => h.pipeline.pending === 0)) break;
        await sleep(50);
      }
      const storedSecs = (performance.now() - started) / 1000;
      const rows = await countTraces(url);
      const acknowledged = ok * bodies[0].spans;
      return {
        scenario: `${name}, ${processes} oct`,
        acknowledged_spans: acknowledged,
        rows,
        rows_match: rows === acknowledged,
        requests_503: refused,
        spans_per_s: Math.round(rows / storedSecs),
        load_secs: Number(loadSecs.toFixed(1)),
        drain_secs: Number((storedSecs - loadSecs).toFixed(1)),
      };
    } finally {
      await Promise.all(octs.map((o) => o.stop()));
    }
  }

  // --- the ceiling: direct batched writes into the same schema ----------------------------------------
  function rowsLike(kind, n, offset) {
    const text = kind === 'content' ? 'lorem ipsum dolor sit amet '.repeat(110) : null;
    const now = Date.now();
    return Array.from({ length: n }, (_, i) => {
      const id = (offset + i).toString(16).padStart(16, '0');
      return {
        trace_id: crypto.randomUUID(),
        source: 'otlp',
        convention: 'otel_genai',
        kind: 'llm',
        is_aggregate: 0,
        operation: 'chat',
        otel_trace_id: id.padStart(32, '0'),
        otel_span_id: id,
        otel_parent_span_id: null,
        service_name: 'bench',
        scope_name: 'bench',
        span_name: 'chat gpt-4o',
        provider: 'openai',
        model: 'gpt-4o',
        request_model: 'gpt-4o',
        input_text: text,
        output_text: text && text.slice(0, 1000),
        input_bytes: text?.length ?? null,
        output_bytes: text ? 1000 : null,
        input_tokens: 100,
        output_tokens: 20,
        total_tokens: 120,
        cache_read_tokens: null,
        cache_write_tokens: null,
        reasoning_tokens: null,
        cost_usd: 0.001,
        cost_source: 'reported',
        status: 'ok',
        status_message: null,
        error_type: null,
        finish_reasons: '["stop"]',
        response_id: 'chatcmpl-' + id,
        conversation_id: null,
        user_id: null,
        tool_name: null,
        agent_name: null,
        start_time: now,
        end_time: now + 800,
        duration_ms: 800,
        ttft_ms: null,
        attributes: '{"gen_ai.system":"openai","server.address":"api.openai.com"}',
        resource_attributes: '{"service.name":"bench"}',
      };
    });
  }

  const values = (rows) => rows.flatMap((r) => TRACES_INSERT.columns.map((c) => r[c]));
  const copyField = (v) => (v === null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));

  async function writeBatches(client, method, rows) {
    for (let i = 0; i < rows.length; i += 50) {
      const batch = rows.slice(i, i + 50);
      await client.query('BEGIN');
      if (method === 'insert') {
        await client.query({ name: `ceiling-${batch.length}`, text: TRACES_INSERT.sql(batch.length), values: values(batch) });
      } else {
        await client.query('CREATE TEMP TABLE IF NOT EXISTS incoming (LIKE traces INCLUDING DEFAULTS) ON COMMIT DELETE ROWS');
        const cols = TRACES_INSERT.columns.join(', ');
        await new Promise((resolve, reject) => {
          const stream = client.query(copyStreams.from(`COPY incoming (${cols}) FROM STDIN`));
          stream.on('finish', resolve);
          stream.on('error', reject);
          stream.end(batch.map((r) => TRACES_INSERT.columns.map((c) => copyField(r[c])).join('\t')).join('\n') + '\n');
        });
        await client.query(`INSERT INTO traces (${cols}) SELECT ${cols} FROM incoming ON CONFLICT DO NOTHING`);
      }
      await client.query('COMMIT');
    }
  }

  async function ceiling(kind, method, connections) {
    const url = await freshDatabase();
    const clients = await Promise.all(
      Array.from({ length: connections }, async () => {
        const c = new pg.Client(url);
        await c.connect();
        return c;
      }),
    );
    const per = Math.floor(CEILING_ROWS / connections);
    const started = performance.now();
    await Promise.all(clients.map((c, i) => writeBatches(c, method, rowsLike(kind, per, i * per + 1))));
    const secs = (performance.now() - started) / 1000;
    await Promise.all(clients.map((c) => c.end()));
    const rows = await countTraces(url);
    return {
      scenario: `ceiling ${kind}: ${method === 'insert' ? 'multi-row INSERT' : 'COPY + INSERT SELECT'}, ${connections} conn`,
      rows,
      spans_per_s: Math.round(rows / secs),
    };
  }

  // --- run -------------------------------------------------------------------------------------------
  const results = [];
  try {
    for (const kind of ['content', 'testbed']) {
      for (const connections of [1, 3]) {
        for (const method of ['insert', 'copy']) results.push(await ceiling(kind, method, connections));
      }
      for (const processes of [1, 3]) results.push(await octScenario(kind, payloads[kind].pb, processes));
    }
  } finally {
    as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
