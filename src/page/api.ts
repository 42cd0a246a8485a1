/** The read API over HTTP: the page's only source of data. */

export interface TraceItem {
  trace_id: string;
  source: string;
  convention: string | null;
  kind: string;
  operation: string | null;
  otel_trace_id: string | null;
  otel_span_id: string | null;
  otel_parent_span_id: string | null;
  service_name: string | null;
  span_name: string | null;
  provider: string | null;
  model: string | null;
  request_model: string | null;
  input_text: string | null;
  output_text: string | null;
  input_bytes: number | null;
  output_bytes: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  /** `reported` by the client, `price_table` (computed by oct), or null. */
  cost_source: string | null;
  status: 'ok' | 'error';
  status_message: string | null;
  error_type: string | null;
  finish_reasons: string[] | null;
  conversation_id: string | null;
  user_id: string | null;
  tool_name: string | null;
  agent_name: string | null;
  start_time: number;
  end_time: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
  attributes: Record<string, unknown> | null;
  input_truncated?: boolean;
  output_truncated?: boolean;
}

export interface ErrorItem {
  trace_id: string;
  origin: string;
  llm_trace_id: string | null;
  service_name: string | null;
  span_name: string | null;
  error_type: string | null;
  message: string | null;
  stacktrace: string | null;
  occurred_at: number;
  message_truncated?: boolean;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface TraceDetail {
  trace: TraceItem;
  errors: ErrorItem[];
  spans: TraceItem[];
  spans_truncated: boolean;
}

export interface StatsRow {
  bucket_start: number;
  group: string | null;
  calls: number;
  errors: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cost_usd: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface Stats {
  since: number;
  until: number;
  bucket: 'hour' | 'day' | 'all';
  rows: StatsRow[];
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const KEY = 'oct.apiKey';
let asking: Promise<void> | undefined;

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

/** GETs a read route; on 401 asks for the API key once for all waiting requests, then retries. */
export async function read<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const url = query.size > 0 ? `${path}?${query.toString()}` : path;
  for (;;) {
    const key = storedKey();
    const res = await fetch(url, { headers: key === null ? {} : { Authorization: `Bearer ${key}` }, cache: 'no-store' });
    if (res.status === 401) {
      asking ??= askForKey(key !== null).finally(() => (asking = undefined));
      await asking;
      continue;
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
    return body as T;
  }
}

function askForKey(refused: boolean): Promise<void> {
  const dialog = document.getElementById('key-dialog') as HTMLDialogElement;
  const input = document.getElementById('key-input') as HTMLInputElement;
  document.getElementById('key-message')!.textContent = refused
    ? 'oct refused that key. Enter the API key (OCT_API_KEY) again.'
    : 'This oct asks for an API key (OCT_API_KEY) to read its data.';
  input.value = '';
  // Without a key there is nothing to show, so Escape does not dismiss the question.
  dialog.oncancel = (event) => event.preventDefault();
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.onclose = () => {
      sessionStorage.setItem(KEY, input.value);
      document.getElementById('forget-key')!.hidden = false;
      resolve();
    };
  });
}
