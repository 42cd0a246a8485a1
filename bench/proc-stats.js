// CPU and memory of a process from /proc (Linux), so oct is measured from outside like any program.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function ownTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is [0], utime [11], stime [12]; they cover all threads of the process.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function children(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds of each thread of `pid` ({tid: s}); the main thread's tid is the pid. */
export function threadCpuSeconds(pid) {
  const out = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) out[tid] = ownTicks(`${pid}/task/${tid}`) / HZ;
  } catch {
    /* gone */
  }
  return out;
}

/**
 * Cores used per thread between two threadCpuSeconds() snapshots: the main thread, and the busiest
 * other thread (all of oct's threads are named "node"; a writer thread would be the busiest one).
 */
export function threadCores(before, after, secs) {
  const used = Object.entries(after).map(([tid, s]) => [tid, (s - (before[tid] ?? 0)) / secs]);
  const [mainTid] = Object.keys(after).sort((a, b) => a - b);
  const others = used
    .filter(([tid]) => tid !== mainTid)
    .map(([, c]) => c)
    .sort((a, b) => b - a);
  const r = (x) => Number(x.toFixed(2));
  return {
    main: r(used.find(([tid]) => tid === mainTid)?.[1] ?? 0),
    busiest_other: r(others[0] ?? 0),
    other_total: r(others.reduce((a, b) => a + b, 0)),
  };
}

/** CPU seconds (user + system, every thread, plus live child processes) used so far. */
export function cpuSeconds(pid) {
  return (ownTicks(pid) + children(pid).reduce((sum, c) => sum + ownTicks(c), 0)) / HZ;
}

function statusKiB(pid, field) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
export const rssMiB = (pid) => statusKiB(pid, 'VmRSS') / 1024;
/** Peak resident set since the process started. */
export const peakRssMiB = (pid) => statusKiB(pid, 'VmHWM') / 1024;

/** Samples RSS every `everyMs` until stopped; returns [{t (s), rss (MiB)}]. */
export function sampleRss(pid, everyMs = 250) {
  const t0 = performance.now();
  const samples = [];
  const timer = setInterval(() => samples.push({ t: (performance.now() - t0) / 1000, rss: rssMiB(pid) }), everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * CPU seconds busy on the whole machine, and used by this process plus its waited-for descendants
 * (cutime/cstime: oct, wrk and the load generators once they have exited). The difference over
 * the bench is what other programs (and unattributed kernel work) took from the cores.
 */
export function cpuAccount() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    machine: (user + nice + system + irq + softirq + steal) / HZ,
    bench: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / HZ,
    t: performance.now() / 1000,
  };
}

/** Machine facts for the report header. */
export function machine() {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? 'unknown';
  const memGiB = Number(fs.readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0) / 1024 ** 2;
  let wrk;
  try {
    wrk = execFileSync('wrk', ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0]
      .split(' Copyright')[0];
  } catch (e) {
    wrk =
      String(e.stdout ?? '')
        .split('\n')[0]
        .split(' Copyright')[0] || 'missing';
  }
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    cpus: Number(execFileSync('nproc').toString().trim()),
    cpu,
    mem_gib: Math.round(memGiB),
    node: process.version,
    wrk,
    loadavg_at_start: load,
  };
}
