import fs from 'node:fs';
import { createGunzip } from 'node:zlib';

/** One JSON document of an import file: a line of JSON Lines, or the whole file. */
export interface FileRecord {
  /** 1-based line the record starts on. */
  line: number;
  bytes: Buffer;
  /** Longer than the limit: `bytes` is empty. */
  oversize: boolean;
}

const NEWLINE = 0x0a;

/** gzip by its magic bytes, whatever the file is called. */
function isGzip(path: string): boolean {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

function open(path: string, onBytes: (n: number) => void): AsyncIterable<Buffer> {
  const gzip = isGzip(path);
  const file = fs.createReadStream(path);
  file.on('data', (chunk) => onBytes(chunk.length));
  if (!gzip) return file;
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

/**
 * The records of an import file, read as a stream: JSON Lines (the Collector's `file`
 * exporter, NDJSON), each line one record; or, when the first line is not JSON by itself but the
 * whole file is, one JSON document (a pretty-printed request). gzip is read transparently.
 * Throws when the file cannot be read; `onBytes` counts the bytes read from disk.
 */
export async function* fileRecords(path: string, maxBytes: number, onBytes: (n: number) => void): AsyncGenerator<FileRecord> {
  let first = true;
  for await (const record of lines(open(path, onBytes), maxBytes)) {
    if (first && record.bytes.toString().trim() !== '') {
      first = false;
      if (!isJson(record.bytes)) {
        const whole = await wholeDocument(path, maxBytes);
        if (whole) {
          yield { line: 1, bytes: whole, oversize: false };
          return;
        }
      }
    }
    yield record;
  }
}

async function* lines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<FileRecord> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversize = false;
  let line = 1;
  const take = (tail: Buffer): FileRecord => {
    const bytes = oversize ? Buffer.alloc(0) : Buffer.concat([...pending, tail]);
    const record = { line: line++, bytes: bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes, oversize };
    pending = [];
    pendingBytes = 0;
    oversize = false;
    return record;
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (pendingBytes + end - start > maxBytes) oversize = true;
      yield take(chunk.subarray(start, end));
      start = end + 1;
    }
    const rest = chunk.subarray(start);
    pendingBytes += rest.length;
    if (pendingBytes > maxBytes) oversize = true;
    else if (rest.length > 0) pending.push(Buffer.from(rest));
  }
  if (pendingBytes > 0 || pending.length > 0) yield take(Buffer.alloc(0));
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString());
    return true;
  } catch {
    return false;
  }
}

/** The whole file when it is one JSON document within `maxBytes`. */
async function wholeDocument(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of open(path, () => {})) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  const whole = Buffer.concat(chunks);
  return isJson(whole) ? whole : undefined;
}
