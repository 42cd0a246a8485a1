import { Worker } from 'node:worker_threads';
import type { ReaderData } from './read-connection.js';
import type { FromReader, ReadOp, ToReader } from './reader-worker.js';

/** The reader cannot take the read now (not started, shut down, or too many waiting): answer 503. */
export class ReadUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadUnavailableError';
  }
}

interface PendingRead {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** One reader thread (reader-worker.ts) and the reads waiting for it; a thread that dies is started again by the next read. */
export class ReaderThread {
  readonly #data: ReaderData;
  readonly #maxPending: number;
  readonly #pending = new Map<number, PendingRead>();
  #worker: Worker | undefined;
  #starting: Promise<void> | undefined;
  #nextId = 0;
  #closed: (() => void) | undefined;

  constructor(data: ReaderData, maxPending: number) {
    this.#data = data;
    this.#maxPending = maxPending;
  }

  start(): Promise<void> {
    this.#starting ??= this.#spawn().catch((err: unknown) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  async read(op: ReadOp, arg: unknown): Promise<unknown> {
    await this.start();
    if (this.#pending.size >= this.#maxPending) throw new ReadUnavailableError('too many reads waiting; retry shortly');
    const worker = this.#worker!;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'read', id, op, arg } satisfies ToReader);
    });
  }

  /** After the reads already sent. */
  async close(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      this.#closed = resolve;
      worker.postMessage({ type: 'close' } satisfies ToReader);
    });
  }

  #spawn(): Promise<void> {
    const worker = new Worker(new URL('./reader-worker.js', import.meta.url), { workerData: this.#data });
    return new Promise((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (message: FromReader) => {
        if (message.type === 'ready') {
          this.#worker = worker;
          resolve();
        } else if (message.type === 'fatal') reject(new Error(`cannot read ${this.#data.dbPath}: ${message.message}`));
        else this.#settle(message);
      });
      worker.on('exit', () => this.#exited(worker));
    });
  }

  #settle(message: Extract<FromReader, { id: number }>): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (message.type === 'result') pending?.resolve(message.value);
    else pending?.reject(new Error(message.message));
  }

  /** The thread is gone: reads it held fail, and the next read starts a new one. */
  #exited(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#starting = undefined;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new ReadUnavailableError('the reader thread stopped'));
    }
    this.#closed?.();
  }
}
