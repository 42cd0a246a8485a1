import type { Logger } from '../../logger.js';
import type { PipelineEvent } from '../../model/events.js';

/**
 * Instrumentation scopes that send prompts and completions as log records beside the span, never
 * on it (OpenLLMetry's `opentelemetry.instrumentation.openai` puts them on the span, hence `_v2`).
 */
const CONTENT_AS_LOGS_SCOPES: ReadonlySet<string> = new Set([
  '@opentelemetry/instrumentation-openai',
  'opentelemetry.instrumentation.openai_v2',
  'opentelemetry.instrumentation.google_genai',
]);

export interface ContentHintOptions {
  /** How many model calls without content must arrive, and over how long, before the hint. */
  minSpans: number;
  minSpanMs: number;
  /** Whether any OTLP log record has arrived yet (on any transport). */
  logsArrived: () => boolean;
  logger: Logger;
  now?: () => number;
}

export const CONTENT_HINT_DEFAULTS = { minSpans: 10, minSpanMs: 30_000 } as const;

/**
 * Logs one hint when model calls from an instrumentation that sends content as log records keep
 * arriving without content and no log record has arrived: the app exports traces but not logs, or
 * has content capture off. Spans and their logs are exported on separate schedules, so the hint
 * waits for several calls over some time before it speaks.
 */
export class ContentHint {
  readonly #options: ContentHintOptions;
  readonly #now: () => number;
  #spans = 0;
  #firstAt = 0;
  #done = false;

  constructor(options: ContentHintOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Sees the events of an admitted traces request. */
  observe(events: readonly PipelineEvent[]): void {
    if (this.#done) return;
    if (this.#options.logsArrived()) {
      this.#done = true;
      return;
    }
    let scope: string | null = null;
    for (const event of events) {
      if (event.type !== 'trace') continue;
      const row = event.row;
      if ((row.kind !== 'llm' && row.kind !== 'embedding') || row.input_text !== null || row.output_text !== null) continue;
      if (row.scope_name === null || !CONTENT_AS_LOGS_SCOPES.has(row.scope_name)) continue;
      if (this.#spans === 0) this.#firstAt = this.#now();
      this.#spans++;
      scope = row.scope_name;
    }
    if (scope === null || this.#spans < this.#options.minSpans || this.#now() - this.#firstAt < this.#options.minSpanMs) return;
    this.#done = true;
    this.#options.logger.info(
      `${this.#spans} model calls from ${scope} arrived without prompt or completion, and no OTLP log record has: ` +
        'this instrumentation sends content as log records. To store it, export logs to oct too (OTEL_LOGS_EXPORTER=otlp) ' +
        'and turn content capture on (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true). (logged once)',
    );
  }
}
