/**
 * What a PostgreSQL failure means for the batch being written:
 * - `conflict`: a deadlock or serialization failure with another oct process; the transaction was
 *   rolled back and is simply run again;
 * - `refused`: the database refused a value (data exception, constraint, size limit); the batch is
 *   rewritten row by row so only that row is lost;
 * - `unavailable`: anything else (connection lost, server restarting, disk full, read-only after a
 *   failover, a revoked grant): the batch waits, with backoff, until the database takes it.
 */
export type Failure = 'conflict' | 'refused' | 'unavailable';

const REFUSED_CLASSES = new Set(['22', '23', '54']);

export function classify(err: unknown): Failure {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return 'unavailable';
  if (code === '40001' || code === '40P01') return 'conflict';
  return REFUSED_CLASSES.has(code.slice(0, 2)) && code.length === 5 ? 'refused' : 'unavailable';
}
