import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ERRORS_TABLE, TRACES_TABLE } from '../../../src/model/columns.js';
import { SCHEMA_VERSION } from '../../../src/storage/sqlite/schema.js';
import { errorEvent, traceEvent, traceEvents } from '../../factories.js';
import { lockDatabase, tempDir } from '../../helpers.js';
import { newExporter, openExporter } from './exporter-fixture.js';

function columns(db: Database.Database, table: string) {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`);
}
const contract = (table: object) => Object.entries(table as Record<string, { type: string }>).map(([name, c]) => `${name} ${c.type}`);

describe('SQLite exporter', () => {
  it('creates the database folder, WAL mode and exactly the contract columns', async () => {
    const { dbPath } = await openExporter({ dbPath: path.join(tempDir(), 'nested', 'dir', 'oct.db') });
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(columns(db, 'traces')).toEqual(contract(TRACES_TABLE));
    expect(columns(db, 'errors')).toEqual(contract(ERRORS_TABLE));
    db.close();
  });

  it('writes a batch of traces and errors with created_at, and reopens an existing database without migrating twice', async () => {
    const { exporter, dbPath } = await openExporter();
    const before = Date.now();
    const result = await exporter.export([traceEvent(), errorEvent(), traceEvent()]);
    expect(result).toEqual({
      persisted: 3,
      failed: 0,
      duplicates: 0,
      written: { traces: 2, errors: 1 },
      seconds: expect.any(Number) as number,
    });
    await exporter.shutdown();

    const { exporter: again } = await openExporter({ dbPath });
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
    const { exporter, dbPath } = await openExporter({ walLimits });
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
    expect(await pending).toEqual({
      persisted: 5,
      failed: 0,
      duplicates: 0,
      written: { traces: 5, errors: 0 },
      seconds: expect.any(Number) as number,
    });
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
    await expect(newExporter({ dbPath }).exporter.start()).rejects.toThrow(/newer than this oct/);
  });
});

describe('SQLite exporter lifecycle', () => {
  it('shuts down without having started', async () => {
    const { exporter } = newExporter();
    await expect(exporter.shutdown()).resolves.toBeUndefined();
  });

  it('returns the same promise from every shutdown call', async () => {
    const { exporter } = await openExporter();
    const first = exporter.shutdown();
    expect(exporter.shutdown()).toBe(first);
    await first;
    expect(exporter.shutdown()).toBe(first);
  });

  it('rejects an export after shutdown, and one before start', async () => {
    const { exporter } = newExporter();
    await expect(exporter.export(traceEvents(1))).rejects.toThrow(/not running/);
    await exporter.start();
    await exporter.shutdown();
    await expect(exporter.export(traceEvents(1))).rejects.toThrow(/not running/);
  });
});
