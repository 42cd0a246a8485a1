// Memory under hostile bodies: 16 concurrent gzip bombs (a few hundred KB inflating to just under
// OCT_MAX_BODY_BYTES) and 64 concurrent 1.8 MB content requests, each on a fresh oct; the figure
// is its peak RSS (VmHWM), against idle RSS + OCT_MAX_INFLIGHT_MB × a measured factor.
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { contentSpans, protobufTimeOffsets, protobufTraceIdOffsets } from '../../bench/payloads.js';
import { peakRssMiB, rssMiB } from '../../bench/proc-stats.js';
import { BOMBS_DEFAULT_BOUND_MIB, RSS_OVERHEAD_MIB, RSS_PER_INFLIGHT_BYTE } from '../bounds.js';
import { freshBody, post } from '../load.js';
import { readmeDefault, sleep, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';
import { tracesJson } from '../wire.js';

export const name = 'memory';

/** An OTLP/JSON request of one span whose attribute fills the body to `bytes`, gzip-compressed. */
function gzipBomb(bytes) {
  const doc = tracesJson(1);
  const block = Array.from({ length: 800 }, (_, i) => `w${(i * 7919) % 997}`).join(' ');
  doc.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: 'padding', value: { stringValue: '\u0000' } });
  const [head, tail] = JSON.stringify(doc).split('\\u0000');
  const fill = bytes - head.length - tail.length;
  const text = block.repeat(Math.ceil(fill / block.length)).slice(0, fill);
  return zlib.gzipSync(Buffer.from(head + text + tail), { level: 9 });
}

/** Fires `bodies` at once, one connection each; resolves with the answers' statuses and oct's peak RSS. */
async function burst(url, pid, bodies, headers) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: bodies.length });
  const answers = await Promise.all(bodies.map((body) => post(url, body, { agent, headers })));
  agent.destroy();
  const statuses = {};
  for (const a of answers) statuses[a.status || a.error] = (statuses[a.status || a.error] ?? 0) + 1;
  return { statuses, peak: peakRssMiB(pid) };
}

async function measure(make) {
  const oct = await startOct(path.join(tempDir(name), 'oct.db'));
  await sleep(1_000);
  const idle = rssMiB(oct.pid);
  const result = await make(oct);
  await oct.stop();
  return { idle, ...result };
}

const fmt = (statuses) =>
  Object.entries(statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');

export async function run({ readme }) {
  const maxBody = Number(readmeDefault(readme, 'OCT_MAX_BODY_BYTES'));
  const budget = readmeDefault(readme, 'OCT_MAX_INFLIGHT_MB');
  const budgetMb = budget === null ? NaN : Number(budget);
  const inflated = maxBody - 64 * 1024;
  const bomb = gzipBomb(inflated);
  const bombs = await measure((oct) =>
    burst(oct.url, oct.pid, Array(16).fill(bomb), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
  );
  const buf = Buffer.from(ProtobufTraceSerializer.serializeRequest(contentSpans(512, 4242)));
  const template = { buf, spans: 512, offsets: protobufTraceIdOffsets(buf), timeOffsets: protobufTimeOffsets(buf) };
  const content = await measure((oct) =>
    burst(
      oct.url,
      oct.pid,
      Array.from({ length: 64 }, () => freshBody(template).body),
      {},
    ),
  );
  const limit = (m) => m.idle + RSS_OVERHEAD_MIB + budgetMb * RSS_PER_INFLIGHT_BYTE;
  const general = (m) =>
    Number.isFinite(budgetMb)
      ? {
          bound: `< idle + ${RSS_OVERHEAD_MIB} MiB + ${budgetMb} MiB × ${RSS_PER_INFLIGHT_BYTE} = ${Math.round(limit(m))} MiB`,
          pass: m.peak < limit(m),
        }
      : { bound: "idle + 96 MiB + OCT_MAX_INFLIGHT_MB × 2 (OCT_MAX_INFLIGHT_MB is not in README's Configuration table)", pass: false };
  const g1 = general(bombs);
  const g2 = general(content);
  const mib = (x) => `${Math.round(x)} MiB`;
  return [
    row(
      name,
      `16 concurrent gzip bombs (${Math.round(bomb.length / 1024)} KB → ${(inflated / 2 ** 20).toFixed(2)} MiB each): peak RSS ${mib(bombs.peak)} (idle ${mib(bombs.idle)}); answers ${fmt(bombs.statuses)}`,
      `< ${BOMBS_DEFAULT_BOUND_MIB} MiB (defaults)`,
      bombs.peak < BOMBS_DEFAULT_BOUND_MIB,
    ),
    row(name, `16 gzip bombs: peak RSS ${mib(bombs.peak)}`, g1.bound, g1.pass),
    row(
      name,
      `64 concurrent ${(buf.length / 1e6).toFixed(1)} MB content requests: peak RSS ${mib(content.peak)} (idle ${mib(content.idle)}); answers ${fmt(content.statuses)}`,
      g2.bound,
      g2.pass,
    ),
  ];
}
