import path from 'node:path';
import { afterEach } from 'vitest';
import { defaultConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logger.js';
// The exporter starts its writer thread from compiled JS, so tests use the build (`npm test` builds first).
import { SqliteExporter, type SqliteExporterOptions } from '../../../dist/storage/sqlite/sqlite-exporter.js';
import { tempDir } from '../../helpers.js';

const created: SqliteExporter[] = [];
// Registered after helpers.ts's hook, so it runs first: writer threads stop before their folders go.
afterEach(async () => {
  for (const exporter of created.splice(0)) await exporter.shutdown();
});

/** A SQLite exporter with oct's default options and a temp database unless given; shut down after the test. */
export function newExporter(options: Partial<SqliteExporterOptions> = {}) {
  const { maxTextBytes, pendingContentTtlS } = defaultConfig();
  const dbPath = options.dbPath ?? path.join(tempDir(), 'oct.db');
  const exporter = new SqliteExporter({ maxTextBytes, pendingContentTtlS, ...options, dbPath }, createLogger('silent'));
  created.push(exporter);
  return { exporter, dbPath };
}

/** `newExporter`, started. */
export async function openExporter(options: Partial<SqliteExporterOptions> = {}) {
  const opened = newExporter(options);
  await opened.exporter.start();
  return opened;
}
