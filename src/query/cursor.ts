/**
 * Keyset position of the last item of a page: its time column and the key that breaks ties (SQLite's
 * rowid, PostgreSQL's trace_id; read-sql.ts). Opaque to clients (base64url JSON) and tagged with its
 * table, so a traces cursor is refused for errors.
 */
export interface Cursor {
  time: number;
  key: number | string;
}

const UUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/;

export type CursorTable = 'traces' | 'errors';

const TAG: Record<CursorTable, string> = { traces: 't', errors: 'e' };

export function encodeCursor(table: CursorTable, cursor: Cursor): string {
  return Buffer.from(JSON.stringify([TAG[table], cursor.time, cursor.key])).toString('base64url');
}

/** The position, or undefined when `text` is not a cursor of `table`. */
export function decodeCursor(table: CursorTable, text: string): Cursor | undefined {
  if (text.length > 120 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const [tag, time, key] = value as unknown[];
  if (tag !== TAG[table] || !Number.isSafeInteger(time)) return undefined;
  if (!Number.isSafeInteger(key) && !(typeof key === 'string' && UUID.test(key))) return undefined;
  return { time: time as number, key: key as number | string };
}
