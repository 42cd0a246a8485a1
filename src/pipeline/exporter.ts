import type { Component } from './component.js';
import type { PipelineEvent } from '../model/events.js';

/** Outcome of writing one batch; the three counts add up to the batch size. */
export interface ExportResult {
  persisted: number;
  /** Rows the database refused (constraint, bad value); the rest of the batch is kept. */
  failed: number;
  /** Rows already stored (a retried OTLP export of the same span). */
  duplicates: number;
  /** Of `persisted`: the `traces` rows of trace events and the `errors` rows of error events (content events are the rest). */
  written: RowsWritten;
  /** How long the transaction that wrote the batch took (the attempt that succeeded). */
  seconds: number;
}

export interface RowsWritten {
  traces: number;
  errors: number;
}

/** Whether the storage takes writes; `reason` and `since` (epoch ms) say why not and since when. */
export type StorageState = { writable: true } | { writable: false; reason: string; since: number };

/**
 * The pipeline's last stage: the only component that writes to storage. The contract, whatever the engine:
 * - `export` writes one batch in one transaction and resolves once it is committed.
 * - Only a row's own fault (a constraint, a bad value) may cost rows, and only that row (`failed`).
 * - A failure that is not one row's fault (a busy database, a full disk, a file or server that refuses
 *   writes, an I/O error) never drops the batch: the exporter keeps it and retries until it is written
 *   or shutdown abandons it. While the storage refuses writes it tells `onStorageState` listeners, so
 *   the pipeline stops admitting, and tells them again when a write succeeds.
 * - `export` rejects only when the exporter is not running or shutdown abandoned the batch.
 */
export interface Exporter extends Component {
  export(batch: PipelineEvent[]): Promise<ExportResult>;
  /** Called on every change of the storage state; exporters whose storage cannot refuse writes need not offer it. */
  onStorageState?(listener: (state: StorageState) => void): void;
}
