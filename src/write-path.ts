import type { Config } from './config/config.js';
import type { Logger } from './logger.js';
import { BatchProcessor } from './pipeline/batch-processor.js';
import { PostgresExporter } from './storage/postgres/postgres-exporter.js';
import { SqliteExporter } from './storage/sqlite/sqlite-exporter.js';
import { CostCalculator } from './mapping/cost.js';
import type { MappingOptions } from './mapping/map-traces.js';
import { loadPriceTable } from './mapping/price-table.js';

const MIB = 1024 * 1024;

/** The pipeline and its single writer (SQLite, or PostgreSQL with OCT_DATABASE_URL), as the receiver and `oct import` both use them. */
export interface WritePath {
  exporter: SqliteExporter | PostgresExporter;
  processor: BatchProcessor;
  mapping: MappingOptions;
}

/** Throws when the price table cannot be read (OCT_PRICING_FILE). */
export function createWritePath(config: Config, logger: Logger): WritePath {
  const common = {
    maxTextBytes: config.maxTextBytes,
    pendingContentTtlS: config.pendingContentTtlS,
    retention: { retentionDays: config.retentionDays, maxDbBytes: config.maxDbMb * MIB },
  };
  const exporter =
    config.databaseUrl !== null
      ? new PostgresExporter({ url: config.databaseUrl, ...common, durableCommits: config.ack === 'commit' }, logger)
      : new SqliteExporter(
          {
            dbPath: config.dbPath,
            ...common,
            synchronous: config.ack === 'commit' ? 'FULL' : 'NORMAL',
            minFreeDiskBytes: config.minFreeDiskMb * MIB,
          },
          logger,
        );
  const processor = new BatchProcessor(
    exporter,
    {
      capacity: config.queueCapacity,
      maxRows: config.batchMaxRows,
      timeoutMs: config.batchTimeoutMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ack: config.ack,
    },
    logger,
  );
  return { exporter, processor, mapping: mappingOptions(config) };
}

/** How receivers map requests to rows; throws when the price table cannot be read (OCT_PRICING_FILE). */
export function mappingOptions(config: Config): MappingOptions {
  return {
    maxTextBytes: config.maxTextBytes,
    maxAttributesBytes: config.maxAttributesBytes,
    costs: new CostCalculator(loadPriceTable(config.pricingFile)),
    errorsFrom: config.errorsFrom,
  };
}
