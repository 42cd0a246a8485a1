import type { Component } from './component.js';
import type { PipelineEvent } from '../model/events.js';

/** Outcome of writing one batch; the three counts add up to the batch size. */
export interface ExportResult {
  persisted: number;
  /** Rows the database refused (constraint, bad value); the rest of the batch is kept. */
  failed: number;
  /** Rows already stored (a retried OTLP export of the same span). */
  duplicates: number;
}

/** The pipeline's last stage: the only component that writes to storage. */
export interface Exporter extends Component {
  /** Writes one batch in one transaction; a busy database is retried inside, never reported as failed rows. */
  export(batch: PipelineEvent[]): Promise<ExportResult>;
}
