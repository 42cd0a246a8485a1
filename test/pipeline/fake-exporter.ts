import type { PipelineEvent } from '../../src/model/events.js';
import type { ExportResult, Exporter } from '../../src/pipeline/exporter.js';

export interface PendingExport {
  readonly batch: PipelineEvent[];
  settled: boolean;
  /** Resolves the export; by default every row is persisted. */
  resolve(result?: ExportResult): void;
  reject(error: Error): void;
}

/** The result of a batch of `n` trace events all stored, with `overrides`. */
export function written(n: number, overrides: Partial<ExportResult> = {}): ExportResult {
  return { persisted: n, failed: 0, duplicates: 0, written: { traces: n, errors: 0 }, seconds: 0.001, ...overrides };
}

/** An exporter whose exports stay pending until the test settles them. */
export class FakeExporter implements Exporter {
  readonly exports: PendingExport[] = [];

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  export(batch: PipelineEvent[]): Promise<ExportResult> {
    return new Promise((resolve, reject) => {
      const pending: PendingExport = {
        batch,
        settled: false,
        resolve: (result = written(batch.length)) => {
          pending.settled = true;
          resolve(result);
        },
        reject: (error) => {
          pending.settled = true;
          reject(error);
        },
      };
      this.exports.push(pending);
    });
  }

  get sizes(): number[] {
    return this.exports.map((e) => e.batch.length);
  }

  /** Every event handed over so far, in the order of the exports. */
  get delivered(): PipelineEvent[] {
    return this.exports.flatMap((e) => e.batch);
  }

  /** Persists every export not settled yet. */
  resolveAll(): void {
    for (const e of this.exports) if (!e.settled) e.resolve();
  }
}

/** Lets promise callbacks run without moving fake time or running timers. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
