/**
 * Keyset position of the last item of a page: its time column and rowid, which breaks ties. Opaque
 * to clients (base64url JSON) and tagged with its table, so a traces cursor is refused for errors.
 */
export interface Cursor {
  time: number;
  rowid: number;
}

export type CursorTable = 'traces' | 'errors';

const TAG: Record<CursorTable, string> = { traces: 't', errors: 'e' };

export function encodeCursor(table: CursorTable, cursor: Cursor): string {
  return Buffer.from(JSON.stringify([TAG[table], cursor.time, cursor.rowid])).toString('base64url');
}

/** The position, or undefined when `text` is not a cursor of `table`. */
export function decodeCursor(table: CursorTable, text: string): Cursor | undefined {
  if (text.length > 100 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 3) return undefined;
  const [tag, time, rowid] = value as unknown[];
  if (tag !== TAG[table] || !Number.isSafeInteger(time) || !Number.isSafeInteger(rowid)) return undefined;
  return { time: time as number, rowid: rowid as number };
}
