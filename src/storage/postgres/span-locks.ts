import type { ClientBase } from 'pg';

/** An OpenTelemetry span, by its ids. */
export interface SpanKey {
  traceId: string;
  spanId: string;
}

/**
 * Takes the per-span advisory locks of a batch transaction (held until it ends), all in one
 * statement and in key order, so two batches touching the same spans wait for each other instead
 * of deadlocking. After it, each statement sees what other processes committed for those spans.
 */
export async function lockSpans(client: ClientBase, spans: readonly SpanKey[]): Promise<void> {
  if (spans.length === 0) return;
  const keys = [...new Set(spans.map(lockKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await client.query('SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k', [keys.map(String)]);
}

/** The span's advisory-lock key: its span id mixed with its trace id, as a signed 64-bit integer. */
function lockKey(span: SpanKey): bigint {
  return BigInt.asIntN(64, BigInt(`0x${span.spanId}`) ^ BigInt(`0x${span.traceId.slice(16)}`));
}
