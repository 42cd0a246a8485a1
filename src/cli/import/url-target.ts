import { countLogRecords, countSpans, type LogsRequest, type TracesRequest } from '../../model/otlp.js';
import { RecordRefused, type Accepted, type ImportTarget, type NativeBatch } from './target.js';

/** A full queue is retried this often (oct answers 503 with `Retry-After`) before the import gives up. */
const MAX_ATTEMPTS = 60;

interface PartialSuccess {
  partialSuccess?: { rejectedSpans?: string | number; rejectedLogRecords?: string | number; errorMessage?: string };
}

/** `oct import --url`: posts each request to a running oct, as an exporter would. */
export class UrlTarget implements ImportTarget {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  #acknowledged = 0;

  constructor(base: string, headers: Record<string, string> = {}) {
    this.#base = base.replace(/\/+$/, '');
    this.#headers = { 'content-type': 'application/json', ...headers };
  }

  async start(): Promise<void> {
    const res = await this.#fetch('/healthz', { method: 'GET' });
    if (!res.ok) throw new Error(`${this.#base}/healthz answered ${res.status}; is it an oct?`);
  }

  traces(body: Buffer, request: TracesRequest): Promise<Accepted> {
    return this.#otlp('/v1/traces', body, countSpans(request));
  }

  logs(body: Buffer, request: LogsRequest): Promise<Accepted> {
    return this.#otlp('/v1/logs', body, countLogRecords(request));
  }

  async native(batch: NativeBatch): Promise<void> {
    const res = await this.#post(`/api/v1/${batch.kind}`, JSON.stringify(batch.items));
    this.#acknowledged += ((await res.json()) as { accepted: number }).accepted;
  }

  progress() {
    return { count: this.#acknowledged, unit: 'items' };
  }

  finish(): Promise<string> {
    return Promise.resolve(`${this.#acknowledged.toLocaleString('en-US')} items acknowledged by ${this.#base}`);
  }

  async #otlp(path: string, body: Buffer, items: number): Promise<Accepted> {
    const res = await this.#post(path, body);
    const partial = ((await res.json()) as PartialSuccess).partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? partial?.rejectedLogRecords ?? 0);
    this.#acknowledged += items - rejected;
    return { accepted: items - rejected, rejected, rejectionMessage: partial?.errorMessage || null };
  }

  /** A 2xx answer; 503 is retried after its `Retry-After`; another 4xx refuses the record; anything else ends the import. */
  async #post(path: string, body: Buffer | string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.#fetch(path, { method: 'POST', headers: this.#headers, body });
      if (res.ok) return res;
      const reason = await errorText(res);
      if (res.status === 503 && attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 1_000 * Math.max(1, Number(res.headers.get('retry-after')) || 1)));
        continue;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403)
        throw new RecordRefused(`${res.status}: ${reason}`);
      throw new Error(`${this.#base}${path} answered ${res.status}: ${reason}`);
    }
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, init);
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      throw new Error(`cannot reach oct at ${this.#base}: ${cause?.message ?? (err as Error).message}`, { cause: err });
    }
  }
}

/** oct's own words from an error answer: `{"error": …}` (native) or `google.rpc.Status` JSON (OTLP). */
async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    return body.error ?? body.message ?? text;
  } catch {
    return text;
  }
}
