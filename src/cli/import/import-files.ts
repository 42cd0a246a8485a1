import fs from 'node:fs';
import { apiKeysOf } from '../../config/access.js';
import type { Config } from '../../config/config.js';
import type { NativeError, NativeTrace } from '../../model/native.js';
import { BadRecord, decodeRecord } from './decode-record.js';
import { DbTarget } from './db-target.js';
import { fileRecords, type FileRecord } from './file-records.js';
import { Progress } from './progress.js';
import { RecordRefused, type Accepted, type ImportTarget, type NativeBatch } from './target.js';
import { UrlTarget } from './url-target.js';

/** Problems listed one by one; the summary counts them all. */
const MAX_REPORTED = 100;
/** Native items sent together, as a client would batch them. */
const NATIVE_BATCH = 100;

/** The target failed: the import stops (the records already handed over are finished). */
class ImportStopped extends Error {}

/**
 * `oct import FILE…`: every record of every file through the receiver's decoders and validation,
 * then the target. A bad record is reported with file:line and skipped. Exit code 1 when a file
 * cannot be read, the target fails, or nothing at all was accepted; 0 otherwise.
 */
export async function importFiles(config: Config, files: string[], url: string | undefined): Promise<number> {
  if (url !== undefined && !/^https?:\/\/[^/]/i.test(url)) {
    process.stderr.write(`oct: --url is invalid: expected an http:// or https:// URL (actual: '${url}')\n`);
    return 2;
  }
  let target: ImportTarget;
  try {
    // A running oct that wants a key gets the first one oct would accept itself (OCT_API_KEY, --api-key-file).
    const [key] = apiKeysOf(config);
    target = url ? new UrlTarget(url, key === undefined ? {} : { authorization: `Bearer ${key}` }) : new DbTarget(config);
  } catch (err) {
    process.stderr.write(`oct: could not start: ${(err as Error).message}\n`);
    return 1;
  }
  return new ImportRun(config, files, target).run();
}

class ImportRun {
  readonly #config: Config;
  readonly #files: string[];
  readonly #target: ImportTarget;
  readonly #progress = new Progress(process.stderr);
  readonly #started = performance.now();
  readonly #totalBytes: number;
  #bytesRead = 0;
  #file = 0;
  readonly #read = { spans: 0, logRecords: 0, nativeTraces: 0, nativeErrors: 0 };
  #accepted = 0;
  readonly #skipped = { badRecords: 0, rejected: 0, metrics: 0, unreadableFiles: 0 };
  #reported = 0;
  #pending: { traces: NativeTrace[]; errors: NativeError[]; from: string } = { traces: [], errors: [], from: '' };

  constructor(config: Config, files: string[], target: ImportTarget) {
    this.#config = config;
    this.#files = files;
    this.#target = target;
    this.#totalBytes = files.reduce((sum, file) => sum + (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
  }

  async run(): Promise<number> {
    let stopped: string | undefined;
    try {
      await this.#target.start();
      for (const file of this.#files) {
        this.#file++;
        await this.#importFile(file);
      }
    } catch (err) {
      stopped = (err as Error).message;
    }
    this.#draw(true);
    let written: string | undefined;
    try {
      written = await this.#target.finish();
    } catch (err) {
      stopped ??= (err as Error).message;
    }
    this.#draw(true);
    this.#progress.end();
    if (stopped) process.stderr.write(`oct: import stopped: ${stopped}\n`);
    this.#summarise(written);
    return stopped || this.#skipped.unreadableFiles > 0 || this.#accepted === 0 ? 1 : 0;
  }

  async #importFile(file: string): Promise<void> {
    try {
      for await (const record of fileRecords(file, this.#config.maxBodyBytes, (n) => (this.#bytesRead += n))) {
        await this.#record(file, record);
        this.#draw();
      }
      await this.#flushNative();
    } catch (err) {
      if (err instanceof ImportStopped) throw err;
      this.#skipped.unreadableFiles++;
      this.#report(`${file}: cannot read: ${(err as Error).message}`);
    }
  }

  async #record(file: string, record: FileRecord): Promise<void> {
    const at = `${file}:${record.line}`;
    if (record.oversize) return this.#bad(at, `longer than OCT_MAX_BODY_BYTES (${this.#config.maxBodyBytes} bytes)`);
    if (record.bytes.toString('latin1').trim() === '') return;
    let decoded;
    try {
      decoded = decodeRecord(record.bytes);
    } catch (err) {
      if (err instanceof BadRecord) return this.#bad(at, err.message);
      throw err;
    }
    switch (decoded.kind) {
      case 'metrics':
        this.#skipped.metrics++;
        return;
      case 'traces':
        this.#read.spans += await this.#otlp(at, 'spans', () => this.#target.traces(record.bytes, decoded.request));
        return;
      case 'logs':
        this.#read.logRecords += await this.#otlp(at, 'log records', () => this.#target.logs(record.bytes, decoded.request));
        return;
      case 'native':
        for (const problem of decoded.problems) this.#bad(at, problem);
        if (this.#pending.traces.length + this.#pending.errors.length === 0) this.#pending.from = at;
        this.#pending.traces.push(...decoded.traces);
        this.#pending.errors.push(...decoded.errors);
        this.#read.nativeTraces += decoded.traces.length;
        this.#read.nativeErrors += decoded.errors.length;
        if (this.#pending.traces.length + this.#pending.errors.length >= NATIVE_BATCH) await this.#flushNative();
    }
  }

  /** Hands one OTLP request to the target; the items it held. */
  async #otlp(at: string, noun: string, send: () => Promise<Accepted>): Promise<number> {
    const result = await this.#deliver(at, send);
    if (!result) return 0;
    this.#accepted += result.accepted;
    if (result.rejected > 0) {
      this.#skipped.rejected += result.rejected;
      this.#report(`${at}: ${result.rejected} ${noun} rejected: ${result.rejectionMessage ?? ''}`);
    }
    return result.accepted + result.rejected;
  }

  async #flushNative(): Promise<void> {
    const { traces, errors, from } = this.#pending;
    this.#pending = { traces: [], errors: [], from: '' };
    const batches: NativeBatch[] = [
      { kind: 'traces', items: traces },
      { kind: 'errors', items: errors },
    ];
    for (const batch of batches) {
      if (batch.items.length === 0) continue;
      if (await this.#deliver(from, () => this.#target.native(batch).then(() => true))) this.#accepted += batch.items.length;
    }
  }

  /** The target's answer, or undefined when it refused the record (reported at `at`); any other failure stops the import. */
  async #deliver<T>(at: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof RecordRefused) {
        this.#bad(at, `refused: ${err.message}`);
        return undefined;
      }
      throw new ImportStopped((err as Error).message);
    }
  }

  #bad(at: string, message: string): void {
    this.#skipped.badRecords++;
    this.#report(`${at}: ${message}`);
  }

  #report(line: string): void {
    if (++this.#reported > MAX_REPORTED) return;
    this.#progress.erase();
    const more = this.#reported === MAX_REPORTED ? ' (further problems are counted, not listed)' : '';
    process.stderr.write(`oct: ${line}${more}\n`);
  }

  #draw(force = false): void {
    const { count, unit } = this.#target.progress();
    const state = { file: this.#file, files: this.#files.length, bytesRead: this.#bytesRead, totalBytes: this.#totalBytes, count, unit };
    this.#progress.update(state, force);
  }

  #summarise(written: string | undefined): void {
    const r = this.#read;
    const s = this.#skipped;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
    const mb = (this.#totalBytes / (1024 * 1024)).toFixed(1);
    const read = counted(
      [r.spans, 'span'],
      [r.logRecords, 'log record'],
      [r.nativeTraces, 'native trace'],
      [r.nativeErrors, 'native error'],
    );
    const lines = [
      `read ${this.#files.length} ${plural(this.#files.length, 'file')} (${mb} MB) in ${seconds} s: ${read || 'nothing to import'}`,
    ];
    if (written) lines.push(written);
    const skipped = counted(
      [s.badRecords, 'bad record'],
      [s.rejected, 'rejected item'],
      [s.metrics, 'metrics record'],
      [s.unreadableFiles, 'unreadable file'],
    );
    if (skipped) lines.push(`skipped ${skipped}`);
    process.stdout.write(lines.map((line) => `oct import: ${line}\n`).join(''));
  }
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}

/** "3 spans, 1 native error": the non-zero counts. */
function counted(...counts: [number, string][]): string {
  return counts
    .filter(([n]) => n > 0)
    .map(([n, noun]) => `${n.toLocaleString('en-US')} ${plural(n, noun)}`)
    .join(', ');
}
