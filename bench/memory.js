// Peak memory of oct under memory-amplifying load: node bench/memory.js [--budgets 256,64,128] [--bombs 16] [--content 64]
// Starts oct (a separate process, configured as a user would) once per scenario and budget, sends the
// concurrent requests at once, and reads oct's peak RSS (VmHWM in /proc/PID/status). Prints each peak
// next to idle RSS + RSS_OVERHEAD_MIB + OCT_MAX_INFLIGHT_MB × RSS_PER_INFLIGHT_BYTE, the bound README documents.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { killAll, startOct } from './oct-process.js';
import { INFLIGHT_BYTES_PER_BODY_BYTE } from '../dist/config/config.js';
import { RSS_OVERHEAD_MIB, RSS_PER_INFLIGHT_BYTE } from '../dist/receiver/inflight-budget.js';

const MIB = 1024 * 1024;
const MAX_BODY = 64 * MIB;

/** An OTLP protobuf request of one GenAI chat span whose input message is `chars` of `text` repeated. */
export function contentRequest(chars, text) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('memory-bench').startSpan('chat gpt-4o');
  const content = text.repeat(Math.ceil(chars / text.length)).slice(0, chars);
  span.setAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content }] }]),
  });
  span.end();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
}

/** Words that do not repeat within gzip's window, so a request compresses about as text does. */
function prose(chars, seed = 7) {
  const words = 'model token prompt answer the of and to in is you that it was for on are as with they at be this'.split(' ');
  let s = seed;
  let out = '';
  while (out.length < chars) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += words[s % words.length] + ' ';
  }
  return out;
}

/** A gzip bomb: a valid request inflating to just under OCT_MAX_BODY_BYTES. */
export function gzipBomb(maxBody = MAX_BODY) {
  const raw = contentRequest(maxBody - 4096, prose(1500));
  // 1.5 KB of words repeated: about the 293 KB per 64 MiB of the bombs in issue 12.
  return zlib.gzipSync(raw, { level: 9 });
}

function post(url, body, headers) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', (err) => resolve(err.code ?? 'error'));
    req.end(body);
  });
}

export function vmKib(pid, field) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One oct process, `n` concurrent copies of `body`: idle and peak RSS (MiB) and the answers. */
async function measure(name, budgetMb, body, headers, n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oct-memory-'));
  const oct = await startOct(path.join(dir, 'oct.db'), {
    OCT_MAX_INFLIGHT_MB: String(budgetMb),
    OCT_MAX_BODY_BYTES: String(maxBodyFor(budgetMb)),
  });
  try {
    await post(`${oct.url}/v1/traces`, contentRequest(1000, 'warm up '), { 'content-type': 'application/x-protobuf' });
    await sleep(500);
    const idle = vmKib(oct.pid, 'VmRSS') / 1024;
    const answers = await Promise.all(Array.from({ length: n }, () => post(`${oct.url}/v1/traces`, body, headers)));
    const peak = vmKib(oct.pid, 'VmHWM') / 1024;
    const { receiver } = await oct.health();
    const statuses = {};
    for (const a of answers) statuses[a] = (statuses[a] ?? 0) + 1;
    const bound = idle + RSS_OVERHEAD_MIB + budgetMb * RSS_PER_INFLIGHT_BYTE;
    return {
      name,
      budgetMb,
      idle: Math.round(idle),
      peak: Math.round(peak),
      bound: Math.round(bound),
      factor: ((peak - idle) / budgetMb).toFixed(2),
      statuses,
      peakReserved: Math.round(receiver.inflight.peak_bytes / MIB),
      leftReserved: receiver.inflight.bytes,
    };
  } finally {
    await oct.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest OCT_MAX_BODY_BYTES a budget admits (it must hold INFLIGHT_BYTES_PER_BODY_BYTE of them), at most the default. */
const maxBodyFor = (budgetMb) => Math.min(MAX_BODY, Math.floor((budgetMb * MIB) / INFLIGHT_BYTES_PER_BODY_BYTE));

async function main() {
  const arg = (flag, fallback) => {
    const i = process.argv.indexOf(flag);
    return i < 0 ? fallback : process.argv[i + 1];
  };
  const budgets = arg('--budgets', '256,64,128').split(',').map(Number);
  const bombs = Number(arg('--bombs', '16'));
  const content = Number(arg('--content', '64'));
  const big = contentRequest(1.8e6 - 400, prose(1.8e6));
  console.log(`content request: ${(big.length / 1e6).toFixed(2)} MB`);
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores; bound = idle + ${RSS_OVERHEAD_MIB} MiB + budget × ${RSS_PER_INFLIGHT_BYTE}`,
  );
  const rows = [];
  for (const budgetMb of budgets) {
    const bomb = gzipBomb(maxBodyFor(budgetMb));
    const inflated = `${(bomb.length / 1024).toFixed(0)} KB → ${(maxBodyFor(budgetMb) / MIB).toFixed(0)} MiB`;
    rows.push(
      await measure(
        `${bombs} gzip bombs (${inflated})`,
        budgetMb,
        bomb,
        { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
        bombs,
      ),
    );
    rows.push(await measure(`${content} × 1.8 MB content`, budgetMb, big, { 'content-type': 'application/x-protobuf' }, content));
  }
  console.log(
    '| load | OCT_MAX_INFLIGHT_MB | idle RSS MiB | peak RSS MiB | bound MiB | (peak − idle) / budget | answers | peak reserved MiB | reserved after |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.budgetMb} | ${r.idle} | ${r.peak} | ${r.bound} | ${r.factor} | ${Object.entries(r.statuses)
        .map(([s, c]) => `${c}× ${s}`)
        .join(', ')} | ${r.peakReserved} | ${r.leftReserved} |`,
    );
  const over = rows.filter((r) => r.peak > r.bound);
  if (over.length > 0) {
    console.log(`over the bound: ${over.map((r) => `${r.name} at ${r.budgetMb} MiB`).join('; ')}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  main().catch((err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
}
