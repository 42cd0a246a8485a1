import type { Config } from '../../config/config.js';
import { createLogger } from '../../logger.js';
import { mapLogsRequest } from '../../mapping/map-logs.js';
import { errorEvents, traceEvents } from '../../mapping/map-native.js';
import { mapTracesRequest } from '../../mapping/map-traces.js';
import type { PipelineEvent } from '../../model/events.js';
import { countLogRecords, countSpans, type LogsRequest, type TracesRequest } from '../../model/otlp.js';
import { createWritePath, type WritePath } from '../../write-path.js';
import type { Accepted, ImportTarget, NativeBatch } from './target.js';

/** How long one offer waits for room before it asks again: an import waits as long as the writer needs. */
const OFFER_WAIT_MS = 1_000;

/** `oct import --db`: the receiver's mapping, pipeline and single writer, in this process. */
export class DbTarget implements ImportTarget {
  readonly #config: Config;
  readonly #path: WritePath;

  constructor(config: Config) {
    this.#config = config;
    // Lifecycle lines would interleave with the progress line; problems are still logged.
    this.#path = createWritePath(config, createLogger(config.logLevel === 'silent' ? 'silent' : 'warn'));
  }

  async start(): Promise<void> {
    await this.#path.exporter.start();
    await this.#path.processor.start();
  }

  async traces(_body: Buffer, request: TracesRequest): Promise<Accepted> {
    const mapped = mapTracesRequest(request, this.#path.mapping);
    await this.#offer(mapped.events);
    return {
      accepted: countSpans(request) - mapped.rejectedSpans,
      rejected: mapped.rejectedSpans,
      rejectionMessage: mapped.rejectionMessage,
    };
  }

  async logs(_body: Buffer, request: LogsRequest): Promise<Accepted> {
    const mapped = mapLogsRequest(request, this.#path.mapping);
    await this.#offer(mapped.events);
    return {
      accepted: countLogRecords(request) - mapped.rejectedRecords,
      rejected: mapped.rejectedRecords,
      rejectionMessage: mapped.rejectionMessage,
    };
  }

  async native(batch: NativeBatch): Promise<void> {
    const receivedAt = Date.now();
    const { events } =
      batch.kind === 'traces'
        ? traceEvents(batch.items, receivedAt, this.#path.mapping)
        : errorEvents(batch.items, receivedAt, this.#path.mapping);
    await this.#offer(events);
  }

  progress() {
    return { count: this.#path.processor.stats().persisted, unit: 'events' };
  }

  async finish(): Promise<string> {
    await this.#path.processor.shutdown();
    await this.#path.exporter.shutdown();
    const s = this.#path.processor.stats();
    const lost = s.lost > 0 ? `, ${s.lost} lost` : '';
    return `${s.persisted.toLocaleString('en-US')} ${s.persisted === 1 ? 'event' : 'events'} written to ${this.#config.dbPath} (${s.duplicates} duplicates, ${s.failed} failed${lost})`;
  }

  /** Unlike a request, an import may be split: a file's request can hold more events than the queue. */
  async #offer(events: PipelineEvent[]): Promise<void> {
    const sink = this.#path.processor.admission;
    for (let i = 0; i < events.length; i += sink.capacity) {
      const part = events.slice(i, i + sink.capacity);
      for (;;) {
        const offered = await sink.offerWithin(part, OFFER_WAIT_MS);
        if (offered.admitted) break;
        if (offered.reason !== 'queue_full') throw new Error(`the pipeline refused events (${offered.reason})`);
      }
    }
  }
}
