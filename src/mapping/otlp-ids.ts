/** OTLP trace and span ids that identify a span: 32/16 lower-case hex digits, not all zeros. */

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** A span's ids, or the span ids of a log record. */
export function hasValidIds(ids: { traceId: string; spanId: string }): boolean {
  return TRACE_ID.test(ids.traceId) && ids.traceId !== ZERO_TRACE_ID && isSpanId(ids.spanId);
}

export const isSpanId = (id: string) => SPAN_ID.test(id) && id !== ZERO_SPAN_ID;

/** The `partial_success` message: how many were rejected and the path of the first one. */
export function rejectionMessage(count: number, noun: string, reason: string, firstAt: string): string {
  return `${count === 1 ? `1 ${noun}` : `${count} ${noun}s`} rejected: ${reason}, first at ${firstAt}`;
}
