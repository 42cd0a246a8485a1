import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { SCHEMA_VERSION } from '../../../src/storage/sqlite/schema.js';
// The exporter starts its writer thread from compiled JS, so tests use the build (`npm test` builds first).
import { SqliteExporter } from '../../../dist/storage/sqlite/sqlite-exporter.js';
import { errorEvent, traceEvent, traceEvents } from '../../factories.js';
import { lockDatabase, tempDir } from '../../helpers.js';

const silent = createLogger('silent');

async function openExporter(dbPath = path.join(tempDir(), 'nested', 'dir', 'oct.db')) {
  const exporter = new SqliteExporter({ dbPath }, silent);
  await exporter.start();
  return { exporter, dbPath };
}

function columns(db: Database.Database, table: string) {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`);
}

describe('SQLite exporter', () => {
  it('creates the database folder, WAL mode and exactly the contract columns', async () => {
    const { exporter, dbPath } = await openExporter();
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(columns(db, 'traces')).toEqual([
      'trace_id TEXT',
      'source TEXT',
      'convention TEXT',
      'kind TEXT',
      'is_aggregate INTEGER',
      'operation TEXT',
      'otel_trace_id TEXT',
      'otel_span_id TEXT',
      'otel_parent_span_id TEXT',
      'service_name TEXT',
      'scope_name TEXT',
      'span_name TEXT',
      'provider TEXT',
      'model TEXT',
      'request_model TEXT',
      'input_text TEXT',
      'output_text TEXT',
      'input_bytes INTEGER',
      'output_bytes INTEGER',
      'input_tokens INTEGER',
      'output_tokens INTEGER',
      'total_tokens INTEGER',
      'cache_read_tokens INTEGER',
      'cache_write_tokens INTEGER',
      'reasoning_tokens INTEGER',
      'cost_usd REAL',
      'status TEXT',
      'status_message TEXT',
      'error_type TEXT',
      'finish_reasons TEXT',
      'response_id TEXT',
      'conversation_id TEXT',
      'user_id TEXT',
      'tool_name TEXT',
      'agent_name TEXT',
      'start_time INTEGER',
      'end_time INTEGER',
      'duration_ms REAL',
      'ttft_ms REAL',
      'attributes TEXT',
      'resource_attributes TEXT',
      'created_at INTEGER',
    ]);
    expect(columns(db, 'errors')).toEqual([
      'trace_id TEXT',
      'source TEXT',
      'origin TEXT',
      'llm_trace_id TEXT',
      'otel_trace_id TEXT',
      'otel_span_id TEXT',
      'otel_parent_span_id TEXT',
      'service_name TEXT',
      'span_name TEXT',
      'error_type TEXT',
      'message TEXT',
      'stacktrace TEXT',
      'occurred_at INTEGER',
      'created_at INTEGER',
      'attributes TEXT',
    ]);
    db.close();
    await exporter.shutdown();
  });

  it('writes a batch of traces and errors with created_at, and reopens an existing database without migrating twice', async () => {
    const { exporter, dbPath } = await openExporter();
    const before = Date.now();
    const result = await exporter.export([traceEvent(), errorEvent(), traceEvent()]);
    expect(result).toEqual({ persisted: 3, failed: 0, duplicates: 0 });
    await exporter.shutdown();

    const again = new SqliteExporter({ dbPath }, silent);
    await again.start();
    await again.export([errorEvent()]);
    await again.shutdown();
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM traces').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT count(*) AS n FROM errors').get()).toEqual({ n: 2 });
    const { created_at } = db.prepare('SELECT created_at FROM traces LIMIT 1').get() as { created_at: number };
    expect(created_at).toBeGreaterThanOrEqual(before - 1);
    expect(created_at).toBeLessThanOrEqual(Date.now());
    db.close();
  });

  it('leaves no WAL file behind after shutdown', async () => {
    const { exporter, dbPath } = await openExporter();
    await exporter.export(traceEvents(10));
    await exporter.shutdown();
    const wal = fs.existsSync(dbPath + '-wal') ? fs.statSync(dbPath + '-wal').size : 0;
    expect(wal).toBe(0);
  });

  it('keeps the WAL bounded while batches keep coming: the checkpointer copies it back and the WAL restarts', async () => {
    // Small limits (2 MiB restart, 16 MiB at most) so a few seconds of writing cross them many times.
    const walLimits = { restartFrames: 512, catchUpFrames: 128, maxFrames: 4_096 };
    const dbPath = path.join(tempDir(), 'oct.db');
    const exporter = new SqliteExporter({ dbPath, walLimits }, silent);
    await exporter.start();
    const reader = new Database(dbPath, { readonly: true });
    const text = 'x'.repeat(8_000);
    const walBytes = () => (fs.existsSync(dbPath + '-wal') ? fs.statSync(dbPath + '-wal').size : 0);
    // ≈ 200 MB of rows, several batches in flight at a time as the batch processor sends them.
    const batches = 500,
      inFlight = 4;
    let largest = 0;
    for (let i = 0; i < batches; i += inFlight) {
      await Promise.all(
        Array.from({ length: inFlight }, () => exporter.export(Array.from({ length: 50 }, () => traceEvent({ input_text: text })))),
      );
      largest = Math.max(largest, walBytes());
      // A dashboard reading meanwhile sees every committed row.
      expect(reader.prepare('SELECT count(*) AS n FROM traces').get()).toEqual({ n: (i + inFlight) * 50 });
    }
    reader.close();
    await exporter.shutdown();
    // 200 MB went through a WAL file that never grew past its limit plus the commits of one pass.
    expect(largest).toBeGreaterThan(2 * 2 ** 20);
    expect(largest).toBeLessThan(24 * 2 ** 20);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM traces').get()).toEqual({ n: batches * 50 });
    db.close();
  });

  it('retries while another connection holds the write lock, then writes the batch', async () => {
    const { exporter, dbPath } = await openExporter();
    const lock = lockDatabase(dbPath);
    let settled = false;
    const pending = exporter.export(traceEvents(5)).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    lock.release();
    expect(await pending).toEqual({ persisted: 5, failed: 0, duplicates: 0 });
    await exporter.shutdown();
  });

  it('lets a dashboard read while oct writes', async () => {
    const { exporter, dbPath } = await openExporter();
    const reader = new Database(dbPath, { readonly: true });
    const read = reader.prepare('SELECT count(*) AS n FROM traces');
    reader.exec('BEGIN'); // a long-running read transaction
    read.get();
    expect(await exporter.export(traceEvents(20))).toMatchObject({ persisted: 20 });
    reader.exec('COMMIT');
    expect(read.get()).toEqual({ n: 20 });
    reader.close();
    await exporter.shutdown();
  });

  it('refuses a database written by a newer oct', async () => {
    const dbPath = path.join(tempDir(), 'future.db');
    const db = new Database(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(new SqliteExporter({ dbPath }, silent).start()).rejects.toThrow(/newer than this oct/);
  });
});
