import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { BatchProcessor, type BatchProcessorOptions } from '../../src/pipeline/batch-processor.js';
import type { PipelineEvent } from '../../src/model/events.js';
import type { Exporter, ExportResult } from '../../src/pipeline/exporter.js';
// The exporter starts its writer thread from compiled JS, so tests use the build (`npm test` builds first).
import { SqliteExporter } from '../../dist/storage/sqlite/sqlite-exporter.js';
import { tempDir } from '../helpers.js';

/** The real SQLite exporter, recording the size and time of every batch it is handed. */
export class RecordingExporter implements Exporter {
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
export async function startPipeline(options: Partial<BatchProcessorOptions> = {}) {
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
  return { processor, exporter, reader, dbPath, logLines };
}
