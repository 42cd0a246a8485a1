import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseErrorListParams, parseStatsParams, parseTraceListParams } from '../../src/query/params.js';
// The reader runs its queries in a worker thread, which needs the compiled JavaScript.
import { SqliteReader } from '../../dist/query/sqlite-reader.js';
import { closeDatabase, openDatabase } from '../../src/storage/sqlite/open-database.js';
import { count, startOct, tempDir, waitFor, type RunningOct } from '../helpers.js';

const T0 = Date.UTC(2026, 0, 30, 12);

async function postJson(oct: RunningOct, route: 'traces' | 'errors', body: unknown): Promise<string[]> {
  const res = await fetch(`${oct.url}/api/v1/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { trace_ids: string[] }).trace_ids;
}

async function started(dbPath: string, options: { maxPending?: number } = {}) {
  const reader = new SqliteReader({ dbPath, ...options });
  await reader.start();
  return reader;
}

describe('SqliteReader on a running oct', () => {
  it('answers every query from its own thread while oct keeps writing', async () => {
    const oct = await startOct({ batchTimeoutMs: 20 });
    const calls = Array.from({ length: 20 }, (_, i) => ({
      model: i % 2 ? 'gpt-4o' : 'claude-sonnet',
      provider: i % 2 ? 'openai' : 'anthropic',
      service_name: 'billing',
      input: `question ${i}`,
      output: `answer ${i}`,
      input_tokens: 10,
      output_tokens: 5,
      start_time: T0 + i * 1000,
      duration_ms: 100 + i,
      metadata: { i },
      ...(i === 19 ? { status: 'error', error_type: 'RateLimitError', status_message: 'slow down' } : {}),
    }));
    const ids = await postJson(oct, 'traces', calls);
    await waitFor(() => count(oct.db, 'traces') === 20 && count(oct.db, 'errors') === 1, 5_000, 'the rows');
    const reader = await started(oct.dbPath);
    try {
      const now = T0 + 60_000;
      const first = await reader.listTraces(parseTraceListParams({ limit: '15' }, now));
      expect(first.items.map((item) => item.trace_id)).toEqual(ids.slice(5).reverse());
      expect(first.items[0]).toMatchObject({ input_text: 'question 19', attributes: { i: 19 }, status: 'error', input_truncated: false });
      const rest = await reader.listTraces(parseTraceListParams({ limit: '15', cursor: first.next! }, now));
      expect(rest.items.map((item) => item.trace_id)).toEqual(ids.slice(0, 5).reverse());
      expect(rest.next).toBeNull();

      // Ingest goes on while reading.
      const [late] = await postJson(oct, 'traces', { model: 'gpt-4o', start_time: T0 + 30_000, input: 'refund please' });
      await waitFor(() => count(oct.db, 'traces') === 21, 5_000, 'the late row');
      const found = await reader.listTraces(parseTraceListParams({ q: 'REFUND', model: 'gpt-4o' }, now));
      expect(found.items.map((item) => item.trace_id)).toEqual([late]);

      const detail = await reader.getTrace(ids[19]);
      expect(detail?.errors).toEqual([expect.objectContaining({ llm_trace_id: ids[19], message: 'slow down', origin: 'native' })]);
      expect(await reader.getTrace('00000000-0000-4000-8000-000000000000')).toBeUndefined();

      const errors = await reader.listErrors(parseErrorListParams({ service: 'billing' }, now));
      expect(errors.items.map((item) => item.llm_trace_id)).toEqual([ids[19]]);

      const stats = await reader.stats(parseStatsParams({ since: String(T0 - 3_600_000), group: 'provider' }, now));
      expect(stats.rows.map((row) => [row.group, row.calls, row.errors])).toEqual([
        [null, 1, 0],
        ['anthropic', 10, 0],
        ['openai', 10, 1],
      ]);
    } finally {
      await reader.shutdown();
    }
  });

  it('refuses reads beyond maxPending instead of queueing without bound', async () => {
    const oct = await startOct();
    const reader = await started(oct.dbPath, { maxPending: 2 });
    const params = parseTraceListParams({});
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => reader.listTraces(params)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ReadUnavailableError', message: /too many reads/ });
    await reader.shutdown();
  });
});

describe('SqliteReader lifecycle', () => {
  it('shuts down idempotently, with or without start, after answering the reads sent before', async () => {
    await expect(new SqliteReader({ dbPath: 'nowhere.db' }).shutdown()).resolves.toBeUndefined();
    const oct = await startOct();
    const reader = new SqliteReader({ dbPath: oct.dbPath });
    await expect(reader.listTraces(parseTraceListParams({}))).rejects.toMatchObject({
      name: 'ReadUnavailableError',
      message: /not started/,
    });
    await reader.start();
    const read = reader.listTraces(parseTraceListParams({}));
    const first = reader.shutdown();
    expect(reader.shutdown()).toBe(first);
    await expect(read).resolves.toEqual({ items: [], next: null });
    await first;
    await expect(reader.getTrace('x')).rejects.toMatchObject({ name: 'ReadUnavailableError', message: /shut down/ });
  });

  it('checks the database at start but opens its thread with the first read, and again after a failed one', async () => {
    const dbPath = path.join(tempDir(), 'oct.db');
    closeDatabase(openDatabase(dbPath));
    const reader = new SqliteReader({ dbPath });
    await reader.start();
    // A thread started with start() would hold its connection and still answer.
    fs.renameSync(dbPath, `${dbPath}.away`);
    await expect(reader.listTraces(parseTraceListParams({}))).rejects.toThrow(/cannot read .*oct\.db/);
    fs.renameSync(`${dbPath}.away`, dbPath);
    await expect(reader.listTraces(parseTraceListParams({}))).resolves.toEqual({ items: [], next: null });
    await reader.shutdown();
  });

  it('fails to start on a SQLite file that is not an oct database', async () => {
    const dbPath = path.join(tempDir(), 'other.db');
    const other = new Database(dbPath);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    await expect(new SqliteReader({ dbPath }).start()).rejects.toThrow(/cannot read .*other\.db: no traces table: not an oct database/);
  });

  it('fails to start on a missing database and never creates one', async () => {
    const dbPath = path.join(tempDir(), 'missing.db');
    const reader = new SqliteReader({ dbPath });
    await expect(reader.start()).rejects.toThrow(/cannot read .*missing\.db/);
    await reader.shutdown();
    expect(fs.existsSync(dbPath)).toBe(false);
  });
});
