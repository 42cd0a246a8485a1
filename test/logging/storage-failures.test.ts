import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { SqliteExporter } from '../../dist/storage/sqlite/sqlite-exporter.js';
import { errorEvent, traceEvent, traceEvents } from '../factories.js';
import { tempDir } from '../helpers.js';

describe('storage failures in the log', () => {
  it('repeated failures of one kind are one line (then a summary a minute), not one per row or batch', async () => {
    const lines: string[] = [];
    const { maxTextBytes, pendingContentTtlS } = defaultConfig();
    const exporter = new SqliteExporter(
      { dbPath: path.join(tempDir(), 'oct.db'), maxTextBytes, pendingContentTtlS },
      createLogger('info', (line) => lines.push(line)),
    );
    await exporter.start();
    try {
      for (let b = 0; b < 5; b++) {
        const bad = Array.from({ length: 20 }, () => traceEvent({ kind: 'bogus' as never }));
        const result = await exporter.export([...traceEvents(2), ...bad, errorEvent({ origin: 'nope' as never })]);
        expect(result).toMatchObject({ persisted: 2, failed: 21 });
      }
    } finally {
      await exporter.shutdown();
    }
    const refused = lines.filter((l) => l.includes('refused by the database'));
    // Two reasons (a bad kind, a bad origin) over 105 refused rows: two lines.
    expect(refused).toEqual([
      expect.stringMatching(/WARN oct: trace row \S+ refused by the database and dropped: CHECK constraint failed/),
      expect.stringMatching(/WARN oct: error row \S+ refused by the database and dropped: CHECK constraint failed/),
    ]);
  });
});
