// `npm run faults` entry point: node faults/run.js [--quick] [--only NAME[,NAME…]] [--kills N]
// Starts real oct processes, runs each fault probe against them, prints one table (probe, figure,
// bound, verdict), writes faults/results/latest.{json,md}, and exits 1 when a probe fails.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, REPO } from '../bench/oct-process.js';
import { machine } from '../bench/proc-stats.js';
import { renderMarkdown, renderText, row } from './report.js';
import * as stop from './probes/stop.js';
import * as kill from './probes/kill.js';
import * as fuzz from './probes/fuzz.js';
import * as reader from './probes/reader.js';
import * as writerLock from './probes/writer-lock.js';
import * as fullDisk from './probes/full-disk.js';
import * as memory from './probes/memory.js';
import * as slowClients from './probes/slow-clients.js';
import * as sdkOverload from './probes/sdk-overload.js';
import * as parserEdges from './probes/parser-edges.js';
import * as killLoop from './probes/kill-loop.js';

const PROBES = [parserEdges, stop, kill, killLoop, fuzz, writerLock, fullDisk, memory, reader, slowClients, sdkOverload];

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, kills: { type: 'string' } },
});
const names = PROBES.map((p) => p.name);
const only = values.only ? values.only.split(',') : names;
const unknown = only.filter((n) => !names.includes(n));
if (unknown.length) {
  console.error(`--only: unknown probe ${unknown.join(', ')} (known: ${names.join(', ')})`);
  process.exit(2);
}
const kills = values.kills === undefined ? 50 : Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) {
  console.error('--kills: a whole number ≥ 1');
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });

const ctx = {
  quick: values.quick,
  kills,
  readme: fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'),
  log: (msg) => console.error(`  ${msg}`),
};
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim();
const started = new Date();
const rows = [];
for (const probe of PROBES.filter((p) => only.includes(p.name))) {
  const t0 = performance.now();
  console.error(`▶ ${probe.name}`);
  try {
    rows.push(...(await probe.run(ctx)));
  } catch (err) {
    rows.push(row(probe.name, `probe error: ${err.message.split('\n')[0]}`, 'runs to the end', false));
  } finally {
    killAll();
  }
  console.error(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
const secs = Math.round((Date.now() - started.getTime()) / 1000);
const m = machine();
const header =
  `oct fault suite${ctx.quick ? ' (--quick)' : ''} at commit ${commit}, ${started.toISOString()}, ${secs} s; ` +
  `${m.cpus} × ${m.cpu}, ${m.mem_gib} GiB, Node ${m.node}, load average at start ${m.loadavg_at_start}`;
console.log(`\n${header}\n\n${renderText(rows)}`);
const dir = path.join(REPO, 'faults/results');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(
  path.join(dir, 'latest.json'),
  JSON.stringify({ commit, started, secs, quick: ctx.quick, machine: m, rows }, null, 2) + '\n',
);
fs.writeFileSync(path.join(dir, 'latest.md'), renderMarkdown(rows, header));
process.exit(rows.some((r) => r.verdict === 'fail') ? 1 : 0);
