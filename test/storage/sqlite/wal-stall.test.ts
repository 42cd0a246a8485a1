import { spawn } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logger.js';
import { SqliteExporter } from '../../../dist/storage/sqlite/sqlite-exporter.js';
import { traceEvent } from '../../factories.js';
import { tempDir, waitFor } from '../../helpers.js';

/** A restart size of 64 frames (about 260 KiB), so a few batches pass it. */
const WAL_LIMITS = { restartFrames: 64, catchUpFrames: 16, maxFrames: 1_000_000 };

/** Another process holding one read transaction open (a snapshot) until it is told to end it. */
async function openReader(dbPath: string) {
  const script = `
    import Database from 'better-sqlite3';
    import readline from 'node:readline';
    const db = new Database(process.argv[1], { readonly: true });
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM traces').get();
    console.log('holding');
    readline.createInterface({ input: process.stdin }).once('line', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dbPath], { cwd: process.cwd() });
  await once(child.stdout, 'data');
  return {
    release: async () => {
      child.stdin.write('\n');
      await once(child, 'exit');
    },
  };
}

const batch = () => Array.from({ length: 50 }, () => traceEvent({ input_text: 'x'.repeat(4_000) }));

describe('a read transaction left open pins the WAL', () => {
  it('warns once, shows the WAL growing and checkpoints stopping short, and clears once the reader ends', async () => {
    const dbPath = path.join(tempDir(), 'oct.db');
    const lines: string[] = [];
    const { maxTextBytes, pendingContentTtlS } = defaultConfig();
    const exporter = new SqliteExporter(
      { dbPath, maxTextBytes, pendingContentTtlS, walLimits: WAL_LIMITS },
      createLogger('info', (line) => lines.push(line)),
    );
    await exporter.start();
    try {
      await exporter.export(batch());
      const reader = await openReader(dbPath);
      const stalled = () => lines.filter((l) => /checkpoints have not progressed/.test(l));
      // Writes go on while the reader holds its snapshot; the WAL cannot restart behind it.
      for (let i = 0; stalled().length === 0; i++) {
        expect(i, 'batches written before the warning').toBeLessThan(200);
        await exporter.export(batch());
        await new Promise((r) => setTimeout(r, 20));
      }
      const pinned = exporter.storageHealth();
      expect(stalled()).toHaveLength(1);
      expect(stalled()[0]).toMatch(
        /WARN oct: the WAL is [\d.]+ MiB, past its restart size \(0\.3 MiB\).*a read transaction is probably left open/,
      );
      expect(pinned.wal_incomplete_checkpoints).toBeGreaterThanOrEqual(10);
      expect(pinned.wal_pinned_ms).toBeGreaterThan(0);
      for (let i = 0; i < 5; i++) await exporter.export(batch());
      await new Promise((r) => setTimeout(r, 1_100)); // the writer reports sizes at most once a second
      await exporter.export(batch());
      const grown = exporter.storageHealth();
      expect(grown.wal_bytes).toBeGreaterThan(WAL_LIMITS.restartFrames * 4_096);
      expect(stalled()).toHaveLength(1);

      await reader.release();
      await waitFor(() => lines.some((l) => /checkpoints copy the whole WAL again/.test(l)), 5_000, 'the all-clear');
      expect(exporter.storageHealth().wal_pinned_ms).toBe(0);
      // Writes go on; once one finds the WAL wholly copied it restarts it (truncated, journal_size_limit = 0).
      for (let i = 0; (exporter.storageHealth().wal_bytes ?? Infinity) >= WAL_LIMITS.restartFrames * 4_096 * 2; i++) {
        expect(i, 'writes before the WAL restarts').toBeLessThan(40);
        await new Promise((r) => setTimeout(r, 250));
        await exporter.export(batch());
      }
      expect(stalled()).toHaveLength(1);
    } finally {
      await exporter.shutdown();
    }
  });
});
