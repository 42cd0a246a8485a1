import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import type { PipelineEvent } from '../../src/model/events.js';
import { BatchProcessor, type BatchProcessorOptions } from '../../src/pipeline/batch-processor.js';
import type { Exporter, ExportResult } from '../../src/pipeline/exporter.js';
// The exporter starts its writer thread from compiled JS, so this uses the build (`npm test` builds first).
import { SqliteExporter } from '../../dist/storage/sqlite/sqlite-exporter.js';
import { count, lockDatabase, tempDir, waitFor } from '../helpers.js';
import { traceEvent, traceEvents } from '../factories.js';

// The batcher's rules are unit-tested with fake timers in test/pipeline; these check that rows
// really reach SQLite through the real exporter, with real timers and tolerant bounds.

/** The real SQLite exporter, recording the size and time of every batch it is handed. */
class RecordingExporter implements Exporter {
  readonly batches: { size: number; at: number }[] = [];
  constructor(readonly inner: SqliteExporter) {}
  start() {
    return this.inner.start();
  }
  shutdown() {
    return this.inner.shutdown();
  }
  export(batch: PipelineEvent[]): Promise<ExportResult> {
    this.batches.push({ size: batch.length, at: performance.now() });
    return this.inner.export(batch);
  }
}

const running: { processor: BatchProcessor; exporter: Exporter; reader: Database.Database }[] = [];
afterEach(async () => {
  for (const { processor, exporter, reader } of running.splice(0)) {
    reader.close();
    await processor.shutdown();
    await exporter.shutdown();
  }
});

/** A started batch processor writing through a real SQLite exporter into a temp database. */
async function startPipeline(options: Partial<BatchProcessorOptions> = {}) {
  const dbPath = path.join(tempDir(), 'oct.db');
  const logLines: string[] = [];
  const logger = createLogger('info', (line) => logLines.push(line));
  const exporter = new RecordingExporter(new SqliteExporter({ ...defaultConfig(), dbPath }, logger));
  const processor = new BatchProcessor(
    exporter,
    { capacity: 512, maxRows: 50, timeoutMs: 500, shutdownTimeoutMs: 10_000, ...options },
    logger,
  );
  await exporter.start();
  await processor.start();
  const reader = new Database(dbPath, { readonly: true });
  running.push({ processor, exporter, reader });
  return { processor, sink: processor.admission, exporter, reader, dbPath, logLines };
}

const inputTexts = (reader: Database.Database) =>
  new Set((reader.prepare('SELECT input_text FROM traces').all() as { input_text: string }[]).map((r) => r.input_text));

describe('batch processor into SQLite', () => {
  it('stores 120 events sent as batches of 50, 50 and 20', async () => {
    const { processor, sink, exporter, reader } = await startPipeline();
    for (const event of traceEvents(120)) expect(sink.offer([event])).toEqual({ admitted: true });
    await waitFor(() => count(reader, 'traces') === 120, 5_000, '120 rows');
    // A reader can see the last commit before the writer thread's reply reaches the pipeline.
    await waitFor(() => processor.stats().pending === 0, 5_000, 'the last batch settled');
    expect(exporter.batches.map((b) => b.size)).toEqual([50, 50, 20]);
    expect(processor.stats()).toMatchObject({ size_triggered: 2, timeout_triggered: 1, persisted: 120, pending: 0 });
  });

  it('stores a lone event after the batch timeout, not before it', async () => {
    const { sink, exporter, reader } = await startPipeline();
    const offeredAt = performance.now();
    sink.offer([traceEvent()]);
    await waitFor(() => count(reader, 'traces') === 1, 5_000, 'the row');
    expect(exporter.batches.map((b) => b.size)).toEqual([1]);
    expect(exporter.batches[0].at - offeredAt).toBeGreaterThanOrEqual(495);
  });

  it('stores a backlog of 5,000 written in full batches back to back, without waiting for the timer', async () => {
    const { processor, sink, exporter, reader } = await startPipeline({ capacity: 5_000 });
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(sink.offer(traceEvents(50)).admitted).toBe(true);
    await waitFor(() => processor.stats().pending === 0, 20_000, 'the backlog to drain');
    expect(count(reader, 'traces')).toBe(5_000);
    expect(exporter.batches.map((b) => b.size)).toEqual(Array<number>(100).fill(50));
    expect(processor.stats().timeout_triggered).toBe(0);
    // 100 batches with a 500 ms pause each would take 50 s.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('stores exactly the 512 events admitted while the database was locked', async () => {
    const { processor, sink, reader, dbPath } = await startPipeline();
    const lock = lockDatabase(dbPath);
    const offers = traceEvents(10_000);
    let admitted = 0;
    for (const event of offers) if (sink.offer([event]).admitted) admitted++;
    expect(admitted).toBe(512);
    expect(processor.stats()).toMatchObject({ received: 10_000, enqueued: 512, refused: 9_488, pending: 512 });
    lock.release();
    await waitFor(() => processor.stats().pending === 0, 5_000, 'the queue to drain');
    expect(count(reader, 'traces')).toBe(512);
    expect(inputTexts(reader)).toEqual(new Set(offers.slice(0, 512).map((e) => (e.row as { input_text: string }).input_text)));
  });

  it('stores every admitted event of a 50,000-event burst and the counters add up', async () => {
    const { processor, sink, reader } = await startPipeline();
    for (let i = 0; i < 50_000; i++) {
      sink.offer([traceEvent()]);
      if (i % 200 === 0) await new Promise((r) => setImmediate(r)); // let the writer run, as HTTP would
    }
    await waitFor(() => processor.stats().pending === 0, 20_000, 'the burst to drain');
    const s = processor.stats();
    expect(s.received).toBe(50_000);
    expect(s.received).toBe(s.enqueued + s.refused);
    expect(s.enqueued).toBe(s.persisted + s.failed + s.duplicates);
    expect(s.failed).toBe(0);
    expect(count(reader, 'traces')).toBe(s.persisted);
    expect(s.persisted).toBeGreaterThan(512);
  });

  it('keeps 49 rows of a batch when the database refuses one, and counts it failed', async () => {
    const { processor, sink, reader, logLines } = await startPipeline();
    const batch = traceEvents(50);
    batch[17] = traceEvent({ status: 'bogus' as 'ok' });
    sink.offer(batch);
    await waitFor(() => processor.stats().pending === 0, 5_000, 'the batch');
    expect(count(reader, 'traces')).toBe(49);
    expect(processor.stats()).toMatchObject({ persisted: 49, failed: 1 });
    expect(logLines.filter((l) => l.includes('refused by the database'))).toHaveLength(1);
  });

  it('stores a span re-sent with the same OTel ids once and counts the copy as a duplicate', async () => {
    const { processor, sink, reader } = await startPipeline();
    const ids = { source: 'otlp' as const, otel_trace_id: 'a'.repeat(32), otel_span_id: 'b'.repeat(16) };
    sink.offer([traceEvent(ids)]);
    sink.offer([traceEvent(ids)]);
    await waitFor(() => processor.stats().pending === 0, 5_000, 'the batch');
    expect(count(reader, 'traces')).toBe(1);
    expect(processor.stats()).toMatchObject({ persisted: 1, duplicates: 1, failed: 0 });
  });

  it('has every row in SQLite once shutdown resolves', async () => {
    const { processor, sink, reader } = await startPipeline();
    for (let i = 0; i < 7; i++) sink.offer(traceEvents(30));
    await processor.shutdown();
    expect(count(reader, 'traces')).toBe(210);
  });

  it('counts a batch the exporter abandons at shutdown once, as lost', async () => {
    const { processor, sink, exporter, dbPath, logLines } = await startPipeline({ shutdownTimeoutMs: 300 });
    lockDatabase(dbPath);
    sink.offer(traceEvents(70));
    await processor.shutdown();
    expect(processor.stats()).toMatchObject({ lost: 70, pending: 0 });
    expect(logLines.some((l) => l.includes('70 events not written'))).toBe(true);
    // The exporter abandons its retry when it shuts down; the batch stays counted once, as lost.
    await exporter.shutdown();
    await new Promise((r) => setTimeout(r, 20));
    expect(processor.stats()).toMatchObject({ lost: 70, failed: 0, persisted: 0 });
  });

  it('stores a request that waited for the locked database to be released', async () => {
    const { processor, sink, reader, dbPath } = await startPipeline({ capacity: 100 });
    const lock = lockDatabase(dbPath);
    expect(sink.offer(traceEvents(100)).admitted).toBe(true);
    const waiting = sink.offerWithin(traceEvents(60), 10_000);
    setTimeout(() => lock.release(), 200);
    expect(await waiting).toEqual({ admitted: true });
    await waitFor(() => count(reader, 'traces') === 160, 5_000, '160 rows');
    expect(processor.stats()).toMatchObject({ received: 160, enqueued: 160, refused: 0 });
  });
});
