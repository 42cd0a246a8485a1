import type { PipelineStats } from './pipeline/batch-processor.js';
import type { InflightStats } from './receiver/inflight-budget.js';
import type { ReceiverStats } from './receiver/receiver-stats.js';
import type { StorageState as PostgresStorageState } from './storage/postgres/postgres-exporter.js';
import type { ContentStats } from './storage/sqlite/content-join.js';
import type { StorageHealth } from './storage/sqlite/sqlite-exporter.js';

/** The body of `GET /healthz`, and what `/metrics` and `/readyz` are read from. */
export interface Health {
  /** `ok`, `refusing_writes` while the storage refuses data, or `stopping`. */
  status: 'ok' | 'refusing_writes' | 'stopping';
  pipeline: PipelineStats;
  receiver: ReceiverStats & { inflight: InflightStats };
  content: ContentStats;
  storage: StorageHealth | PostgresStorageState;
}
