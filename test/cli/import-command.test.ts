import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { count, startOct, tempDir, waitFor } from '../helpers.js';
import { chatSpan, logRecord, logsRequest, spanId, TRACE_ID } from '../logs-fixture.js';
import { OCT, runOct } from './oct-command.js';

/** One line of the Collector's `file` exporter: an ExportTraceServiceRequest as protojson. */
const tracesLine = (spans: unknown[]) =>
  JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'openai' }, spans }] }] });

/** Three spans, their prompt in a log record, a line whose traceId is bad, a line that is not JSON, and a metrics line. */
function collectorCapture(): string {
  return [
    tracesLine([chatSpan(1), chatSpan(2)]),
    tracesLine([{ ...chatSpan(3), traceId: 'xyz' }]),
    '{"resourceSpans": [',
    logsRequest([logRecord({ event: 'gen_ai.user.message', body: { content: 'Weather in Paris?' }, span: 1 })]),
    JSON.stringify({ resourceMetrics: [] }),
    tracesLine([chatSpan(4)]),
    '',
  ].join('\n');
}

function withDb<T>(dbPath: string, read: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('oct import', () => {
  it('loads a Collector JSON Lines capture into --db, reporting the bad lines by file:line and keeping the rest', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'capture.jsonl');
    fs.writeFileSync(file, collectorCapture());
    const dbPath = path.join(dir, 'oct.db');
    // The capture's times are from 2025: retention (30 days by default) would delete them at the next start.
    const run = await runOct(['import', '--retention-days', '0', '--db', dbPath, file]);
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')).toEqual([
      `oct: ${file}:2: resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits, got 3 characters`,
      expect.stringMatching(new RegExp(`^oct: ${file}:3: invalid JSON: `)),
      '',
    ]);
    expect(run.stdout).toMatch(/^oct import: read 1 file \(0\.0 MB\) in [\d.]+ s: 3 spans, 1 log record\n/);
    expect(run.stdout).toContain(`oct import: 4 events written to ${dbPath} (0 duplicates, 0 failed)\n`);
    expect(run.stdout).toContain('oct import: skipped 2 bad records, 1 metrics record\n');
    expect(run.stdout + run.stderr).not.toMatch(/\r|events\/s/);
    withDb(dbPath, (db) => {
      expect(db.prepare('SELECT otel_span_id FROM traces ORDER BY otel_span_id').pluck().all()).toEqual([spanId(1), spanId(2), spanId(4)]);
      expect(db.prepare('SELECT input_text FROM traces WHERE otel_span_id = ?').pluck().get(spanId(1))).toContain('Weather in Paris?');
      expect(count(db, 'traces', `otel_trace_id = '${TRACE_ID}'`)).toBe(3);
    });

    // The same capture again, gzip-compressed under another name: every span is a duplicate.
    const gz = path.join(dir, 'capture.log.gz');
    fs.writeFileSync(gz, gzipSync(collectorCapture()));
    const again = await runOct(['import', '--retention-days', '0', '--db', dbPath, gz]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`oct: ${gz}:2: resourceSpans[0]`);
    // Only the content record may count as written again, depending on when its join runs.
    expect(again.stdout).toMatch(/oct import: [01] events? written to .* \([34] duplicates, 0 failed\)\n/);
    withDb(dbPath, (db) => expect(count(db, 'traces')).toBe(3));
  });

  it('loads gzip JSON Lines, a pretty-printed request and native NDJSON traces and errors', async () => {
    const dir = tempDir();
    const spans = Array.from({ length: 120 }, (_, i) => chatSpan(10 + i));
    fs.writeFileSync(path.join(dir, 'spans.jsonl.gz'), gzipSync(spans.map((s) => tracesLine([s])).join('\n')));
    fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify(JSON.parse(tracesLine([chatSpan(1)])), null, 2));
    const native = [
      { model: 'gpt-4o-mini', provider: 'openai', input: 'hi', output: 'hello', input_tokens: 3, output_tokens: 1 },
      { model: 'claude', status: 'error', status_message: 'overloaded' },
      { message: 'upstream timeout', error_type: 'TimeoutError' },
      { model: 'gpt-4o', input_token: 3 },
      [{ message: 'a' }, { model: 'b', duration_ms: -1 }],
    ];
    fs.writeFileSync(path.join(dir, 'calls.ndjson'), native.map((n) => JSON.stringify(n)).join('\r\n'));
    const dbPath = path.join(dir, 'oct.db');
    const run = await runOct(['import', '--db', dbPath, 'spans.jsonl.gz', 'request.json', 'calls.ndjson'], {}, dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      [
        "oct: calls.ndjson:4: unknown field 'input_token' (did you mean 'input_tokens'?)",
        'oct: calls.ndjson:5: [1]: duration_ms: expected a non-negative number',
        '',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/: 121 spans, 2 native traces, 2 native errors\n/);
    withDb(dbPath, (db) => {
      expect(count(db, 'traces', "source = 'otlp'")).toBe(121);
      expect(count(db, 'traces', "source = 'native'")).toBe(2);
      expect(db.prepare("SELECT message FROM errors WHERE origin = 'native' ORDER BY message").pluck().all()).toEqual([
        'a',
        'overloaded',
        'upstream timeout',
      ]);
    });
  });

  it('exits 1 when a file cannot be read or nothing could be imported, after importing the others', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'one.jsonl'), tracesLine([chatSpan(1)]));
    fs.writeFileSync(path.join(dir, 'junk.jsonl'), 'not json\n');
    fs.writeFileSync(path.join(dir, 'broken.gz'), gzipSync(tracesLine([chatSpan(2)])).subarray(0, 30));
    const dbPath = path.join(dir, 'oct.db');
    const run = await runOct(['import', '--db', dbPath, 'missing.jsonl', 'one.jsonl', 'broken.gz'], {}, dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^oct: missing\.jsonl: cannot read: ENOENT/m);
    expect(run.stderr).toMatch(/^oct: broken\.gz: cannot read: unexpected end of file/m);
    expect(run.stdout).toContain('skipped 2 unreadable files');
    withDb(dbPath, (db) => expect(count(db, 'traces')).toBe(1));
    const nothing = await runOct(['import', '--db', dbPath, 'junk.jsonl'], {}, dir);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/^oct: junk\.jsonl:1: invalid JSON/);
    expect(await runOct(['import'])).toMatchObject({ code: 2, stderr: 'oct: import needs at least one FILE (oct import [flags] FILE…)\n' });
  });

  it('posts to a running oct with --url', async () => {
    const oct = await startOct();
    const dir = tempDir();
    const file = path.join(dir, 'capture.jsonl');
    fs.writeFileSync(file, collectorCapture() + JSON.stringify({ model: 'gpt-4o', input_tokens: 1 }) + '\n');
    const run = await runOct(['import', '--url', oct.url, file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`oct: ${file}:2: resourceSpans[0]`);
    expect(run.stdout).toContain(`oct import: 5 items acknowledged by ${oct.url}\n`);
    await waitFor(() => count(oct.db, 'traces') === 4, 5_000, 'four rows');
    expect(count(oct.db, 'traces', "source = 'native'")).toBe(1);
    await waitFor(
      () =>
        (oct.db.prepare('SELECT input_text FROM traces WHERE otel_span_id = ?').pluck().get(spanId(1)) as string | null)?.includes('Paris'),
      5_000,
      'the joined prompt',
    );

    const unreachable = await runOct(['import', '--url', 'http://127.0.0.1:9', file]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^oct: import stopped: cannot reach oct at http:\/\/127\.0\.0\.1:9: /m);
    expect(await runOct(['import', '--url', 'localhost:4318', file])).toMatchObject({
      code: 2,
      stderr: "oct: --url is invalid: expected an http:// or https:// URL (actual: 'localhost:4318')\n",
    });
  });

  it('draws a progress bar on a terminal, and only the summary elsewhere', () => {
    const dir = tempDir();
    const file = path.join(dir, 'capture.jsonl');
    fs.writeFileSync(file, Array.from({ length: 50 }, (_, i) => tracesLine([chatSpan(100 + i)])).join('\n'));
    const command = [process.execPath, OCT, 'import', '--db', path.join(dir, 'oct.db'), file].map((a) => `'${a}'`).join(' ');
    // `script` runs the command on a pseudo-terminal, as an interactive shell would.
    const onTerminal = execFileSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8' });
    const ERASE_LINE = '\r\u001b[K';
    const bars = onTerminal.split(ERASE_LINE).slice(1);
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.at(-1)).toMatch(/^\[#{20}\] 100% file 1\/1 · 50 events · 0\.0\/0\.0 MB · [\d,]+ events\/s\r?\n/);
    expect(onTerminal).toContain('oct import: 50 events written to');
  });
});
