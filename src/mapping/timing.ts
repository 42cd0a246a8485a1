/**
 * start/end times, duration and time to first token. Nanoseconds stay BigInt until the final
 * division, so sub-millisecond precision survives and 2^53 is never exceeded.
 */
import type { Span } from '../model/otlp.js';
import { parseJsonText, toFloat, toStr } from './attributes.js';
import type { SpanView } from './span-view.js';

export interface Timing {
  start_time: number;
  end_time: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
}

const NANOS_PER_MS = 1_000_000n;
const attribute = (key: string) => (view: SpanView) => view.attrs.get(key);
/** TTFT sources in order, each with the factor that turns it into milliseconds (OTel and OpenLIT use seconds). */
const TTFT_SOURCES: readonly [read: (view: SpanView) => unknown, toMs: number][] = [
  [attribute('gen_ai.response.time_to_first_chunk'), 1000],
  [attribute('gen_ai.client.operation.time_to_first_chunk'), 1000],
  [attribute('ai.response.msToFirstChunk'), 1],
  [attribute('ai.stream.msToFirstChunk'), 1],
  [(view) => view.eventsNamed('ai.stream.firstChunk')[0]?.attributes.get('ai.stream.msToFirstChunk'), 1],
  [attribute('gen_ai.server.time_to_first_token'), 1000],
];

/** Langfuse: when the first token arrived, as an ISO time (JSON-quoted by the SDKs). */
const COMPLETION_START_TIME = 'langfuse.observation.completion_start_time';

export const nanosToMs = (nanos: bigint) => Number(nanos / NANOS_PER_MS);

/** When the span happened, in epoch ms: its end, else its start, else now. */
export function spanEndMs(span: Span): number {
  if (span.endTimeUnixNano > 0n) return nanosToMs(span.endTimeUnixNano);
  return span.startTimeUnixNano > 0n ? nanosToMs(span.startTimeUnixNano) : Date.now();
}

export function timingOf(view: SpanView): Timing {
  const { startTimeUnixNano: start, endTimeUnixNano: end } = view.span;
  const known = (nanos: bigint) => nanos > 0n;
  return {
    start_time: known(start) ? nanosToMs(start) : spanEndMs(view.span),
    end_time: known(end) ? nanosToMs(end) : null,
    // An unknown start makes the duration unknown too (not 0).
    duration_ms: known(start) && known(end) && end >= start ? Number(end - start) / 1e6 : null,
    ttft_ms: ttftOf(view),
  };
}

function ttftOf(view: SpanView): number | null {
  for (const [read, toMs] of TTFT_SOURCES) {
    const value = toFloat(read(view));
    if (value !== null && value >= 0) return value * toMs;
  }
  return completionStartTtft(view);
}

function completionStartTtft(view: SpanView): number | null {
  const raw = toStr(view.attrs.get(COMPLETION_START_TIME));
  const start = view.span.startTimeUnixNano;
  if (raw === null || start <= 0n) return null;
  const iso = parseJsonText(raw);
  const firstTokenMs = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (Number.isNaN(firstTokenMs)) return null;
  const ttft = firstTokenMs - Number(start / 1000n) / 1000;
  return ttft >= 0 ? ttft : null;
}
