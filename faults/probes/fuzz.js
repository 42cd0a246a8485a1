// Mutated valid bodies (bit flips, truncation, length-prefix edits, wire types, deep nesting,
// invalid UTF-8, wrong JSON types, garbage, corrupt gzip) over every route and encoding, HTTP and
// gRPC: oct must answer each in 4xx (or accept it), never crash, never 5xx, and still serve after.
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { waitDrained } from '../../bench/oct-process.js';
import { checkStored, freshBody, post, testbedTemplates } from '../load.js';
import { rng } from '../../bench/payloads.js';
import { MUTATIONS, mutate } from '../mutate.js';
import { alive, grpcAddress, startOct, tempDir } from '../oct.js';
import { row } from '../report.js';
import { SERVICES, rawClient } from '../grpc.js';
import * as wire from '../wire.js';

export const name = 'fuzz';
const PB = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const json = (make) => () => Buffer.from(JSON.stringify(make()));
const deep = [wire.deepAnyValue(100), wire.deepAnyValue(5_000), wire.deepAnyValue(20_000)];

// Every route and encoding oct reads, with a maker of fresh valid bodies.
const TARGETS = [
  { route: '/v1/traces', kind: 'pb', type: PB, make: () => wire.tracesPb(3, Math.random() < 0.05 ? deep[(Math.random() * 3) | 0] : null) },
  { route: '/v1/traces', kind: 'json', type: JSON_TYPE, make: json(wire.tracesJson) },
  { route: '/v1/logs', kind: 'pb', type: PB, make: () => wire.logsPb(Math.random() < 0.05 ? deep[(Math.random() * 3) | 0] : null) },
  { route: '/v1/logs', kind: 'json', type: JSON_TYPE, make: json(wire.logsJson) },
  { route: '/v1/metrics', kind: 'pb', type: PB, make: wire.metricsPb },
  { route: '/v1/metrics', kind: 'json', type: JSON_TYPE, make: json(wire.metricsJson) },
  {
    route: '/api/v1/traces',
    kind: 'json',
    type: JSON_TYPE,
    make: json(() => (Math.random() < 0.3 ? [wire.nativeTrace(), wire.nativeTrace()] : wire.nativeTrace())),
  },
  { route: '/api/v1/errors', kind: 'json', type: JSON_TYPE, make: json(wire.nativeError) },
];
const GRPC_TARGETS = [
  { service: 'traces', make: () => wire.tracesPb(3) },
  { service: 'logs', make: () => wire.logsPb() },
  { service: 'metrics', make: wire.metricsPb },
];
const GRPC_SHARE = 0.1;
const GZIP_SHARE = 0.2;

/** One fuzz case: a target, a mutated body and its headers (sometimes gzip, sometimes a corrupt one). */
function httpCase(r) {
  const target = TARGETS[Math.floor(r() * TARGETS.length)];
  const { body, applied } = mutate(target.make(), target.kind, r);
  const headers = { 'Content-Type': target.type };
  if (r() >= GZIP_SHARE) return { target, body, applied, headers };
  let gz = zlib.gzipSync(body);
  if (r() < 0.3) {
    const corrupt = r() < 0.5 ? 'bitFlip' : 'truncate';
    gz = MUTATIONS.pb[corrupt](gz, r);
    applied.push(`gzip ${corrupt}`);
  } else applied.push('gzip');
  return { target, body: gz, applied, headers: { ...headers, 'Content-Encoding': 'gzip' } };
}

/** The distinct faults by route and answer (the mutations of the first of each kind), at most 5. */
function faultKinds(faults) {
  const kinds = new Map();
  for (const f of faults) {
    const key = f.replace(/ \[.*?\]/, '');
    kinds.set(key, kinds.get(key) ?? { first: f, n: 0 });
    kinds.get(key).n++;
  }
  return [...kinds.values()].slice(0, 5).map(({ first, n }) => `${n} × ${first}`);
}

export async function run({ quick, log }) {
  const total = quick ? 10_000 : 100_000;
  const dbPath = path.join(tempDir(name), 'oct.db');
  const oct = await startOct(dbPath);
  const grpc = rawClient(grpcAddress(oct));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const r = rng(20_261_202);
  const statuses = {};
  const grpcCodes = {};
  const faults = []; // the first 5xx / gRPC INTERNAL-like answers, for the report
  let socketErrors = 0;
  let sent = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (sent < total && alive(oct.pid)) {
      sent++;
      if (r() < GRPC_SHARE) {
        const target = GRPC_TARGETS[Math.floor(r() * GRPC_TARGETS.length)];
        const { body, applied } = mutate(target.make(), 'pb', r);
        const { code, details } = await grpc.call(SERVICES[target.service], body);
        grpcCodes[code] = (grpcCodes[code] ?? 0) + 1;
        // OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED are answers; UNKNOWN, UNAVAILABLE, INTERNAL, DATA_LOSS are faults.
        if ([2, 13, 14, 15].includes(code)) faults.push(`gRPC ${target.service} [${applied}] → ${code} ${details}`);
        continue;
      }
      const c = httpCase(r);
      const res = await post(oct.url, c.body, { agent, path: c.target.route, headers: c.headers });
      if (res.error) socketErrors++;
      statuses[res.status || res.error] = (statuses[res.status || res.error] ?? 0) + 1;
      if (res.status >= 500) faults.push(`${c.target.route} ${c.target.kind} [${c.applied}] → ${res.status} ${res.text.slice(0, 160)}`);
      if (sent % 20_000 === 0) log(`${sent} bodies, ${faults.length} faults`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  grpc.close();
  const survived = alive(oct.pid);
  // Still serving: a valid request is answered 200 and stored.
  let after = 'oct is gone';
  if (survived) {
    const [template] = testbedTemplates(1, 10);
    const { counter, body } = freshBody(template);
    const res = await post(oct.url, body);
    await waitDrained(oct, 30_000);
    const { lost } = checkStored(dbPath, new Map(res.status === 200 ? [[counter, 10]] : []));
    after =
      res.status === 200 && lost === 0
        ? 'a valid request afterwards: 200, stored'
        : `a valid request afterwards: ${res.status}, ${lost} lost`;
  }
  await oct.stop();
  const fiveXx = Object.entries(statuses).reduce((n, [s, k]) => n + (Number(s) >= 500 ? k : 0), 0);
  const grpcFaults = [2, 13, 14, 15].reduce((n, code) => n + (grpcCodes[code] ?? 0), 0);
  const fmt = (o) =>
    Object.entries(o)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ');
  return [
    row(
      name,
      `${sent.toLocaleString('en')} mutated bodies in ${secs.toFixed(0)} s over ${TARGETS.length} HTTP routes/encodings (${GZIP_SHARE * 100} % gzip) and 3 gRPC services: HTTP ${fmt(statuses)}; gRPC codes ${fmt(grpcCodes)}`,
      '0 crashes, 0 5xx',
      survived && fiveXx === 0 && grpcFaults === 0 && sent >= total,
    ),
    row(
      name,
      `oct ${survived ? 'running' : 'crashed'}; ${after}; ${socketErrors} socket errors`,
      'still serves',
      after.endsWith('200, stored'),
    ),
    ...faultKinds(faults).map((f) => row(name, `a fault: ${f}`, 'none', false)),
  ];
}
