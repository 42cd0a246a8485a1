// Slow clients: connections that drip their headers or their body at 1 byte/s must be closed
// within the header / request timeout, and 1,000 of them open must not slow a normal client.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { HEADERS_TIMEOUT_S, REQUEST_TIMEOUT_S, TIMEOUT_SLACK_S } from '../bounds.js';
import { freshBody, percentile, post, testbedTemplates } from '../load.js';
import { sleep, startOct, tempDir } from '../oct.js';
import { row, skip } from '../report.js';

export const name = 'slow-clients';

/**
 * `count` connections that send `head` and then one byte a second. Each records how long it
 * stayed open; `stop()` ends the survivors and returns the times (null: still open).
 */
function drippers(url, count, head) {
  const { hostname, port } = new URL(url);
  const conns = Array.from({ length: count }, () => {
    const c = { openedAt: performance.now(), closedAfter: null, socket: net.connect(Number(port), hostname) };
    c.socket.on('connect', () => c.socket.write(head));
    const closed = () => (c.closedAfter ??= (performance.now() - c.openedAt) / 1000);
    c.socket.on('end', () => {
      closed();
      c.socket.destroy();
    });
    c.socket.on('close', closed);
    c.socket.on('error', closed);
    return c;
  });
  const timer = setInterval(() => {
    for (const c of conns) if (c.closedAfter === null && !c.socket.destroyed) c.socket.write('a');
  }, 1_000);
  return {
    open: () => conns.filter((c) => c.closedAfter === null).length,
    stop() {
      clearInterval(timer);
      for (const c of conns) c.socket.destroy();
      return conns.map((c) => c.closedAfter);
    },
  };
}

const headerDrip = 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nX-Slow: ';
const bodyDrip = 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\n\r\n';

/** p99 of `n` sequential small OTLP requests on one keep-alive connection (ms). */
async function normalP99(url, n = 200) {
  const [template] = testbedTemplates(1, 10);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ms = [];
  const statuses = new Set();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await post(url, freshBody(template).body, { agent });
    ms.push(performance.now() - t0);
    statuses.add(r.status || r.error);
  }
  agent.destroy();
  return { p99: percentile(ms, 99), statuses: [...statuses].join(',') };
}

function openFilesLimit() {
  return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 0;
}

export async function run({ quick, log }) {
  const rows = [];
  // 1,000 slow connections beside a normal client.
  if (openFilesLimit() < 2_200)
    rows.push(skip(name, `open-files limit ${openFilesLimit()} < 2,200: cannot hold 1,000 connections on both ends`));
  else {
    const oct = await startOct(path.join(tempDir(name), 'oct.db'));
    await normalP99(oct.url, 50); // warm-up: the first requests of a fresh process are slower
    const before = await normalP99(oct.url);
    const slow = drippers(oct.url, 1_000, headerDrip);
    await sleep(2_000);
    const openDuring = slow.open();
    const during = await normalP99(oct.url);
    slow.stop();
    await oct.stop();
    const bound = Math.max(3 * before.p99, before.p99 + 10);
    rows.push(
      row(
        name,
        `normal client p99 ${during.p99.toFixed(1)} ms (answers ${during.statuses}) with ${openDuring} slow connections open; ${before.p99.toFixed(1)} ms without`,
        `≤ max(3 ×, +10 ms) of without = ${bound.toFixed(1)} ms`,
        during.p99 <= bound && during.statuses === '200',
      ),
    );
  }
  // 300 dripping headers and 50 dripping bodies, each timed until oct closes it.
  const oct = await startOct(path.join(tempDir(name), 'oct.db'));
  const headers = drippers(oct.url, 300, headerDrip);
  const bodies = quick ? null : drippers(oct.url, 50, bodyDrip);
  const headerBound = HEADERS_TIMEOUT_S + TIMEOUT_SLACK_S;
  const bodyBound = REQUEST_TIMEOUT_S + TIMEOUT_SLACK_S;
  await sleep((quick ? headerBound : bodyBound) * 1_000 + 1_000);
  log(`still open: ${headers.open()} header drips${bodies ? `, ${bodies.open()} body drips` : ''}`);
  const summary = (times, bound, what) => {
    const closed = times.filter((t) => t !== null);
    const within = closed.filter((t) => t <= bound).length;
    const max = closed.length ? Math.max(...closed).toFixed(1) : '–';
    return row(
      name,
      `${times.length} connections dripping ${what} at 1 byte/s: ${within} closed within ${bound} s (latest ${max} s), ${times.length - closed.length} still open`,
      `all closed ≤ ${bound} s (timeout + ${TIMEOUT_SLACK_S} s)`,
      within === times.length,
    );
  };
  rows.push(summary(headers.stop(), headerBound, 'headers'));
  if (bodies) rows.push(summary(bodies.stop(), bodyBound, 'bodies'));
  else rows.push(skip(name, `--quick: the 50 body drips need the ${REQUEST_TIMEOUT_S} s request timeout`));
  await oct.stop();
  return rows;
}
