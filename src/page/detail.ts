import { read, type ErrorItem, type TraceDetail, type TraceItem } from './api.js';
import { h, link, type Child } from './dom.js';
import { bytes, count, dash, ms, time, usd } from './format.js';
import { statusBadge } from './lists.js';
import type { View } from './view.js';

export function detailView(main: HTMLElement, traceId: string): View {
  let shown = '';
  return {
    async refresh() {
      const detail = await read<TraceDetail>(`/api/v1/traces/${encodeURIComponent(traceId)}`);
      const json = JSON.stringify(detail);
      // Content logs may still join the row; redraw only then, so reading and scrolling are not reset.
      if (json === shown) return;
      shown = json;
      main.replaceChildren(...render(detail));
    },
  };
}

function render({ trace: t, errors, spans, spans_truncated }: TraceDetail): Node[] {
  const name = t.model ?? t.tool_name ?? t.agent_name ?? t.span_name ?? t.kind;
  const facts: [string, Child][] = [
    ['Time', time(t.start_time)],
    ['Service', t.service_name],
    ['Provider', t.provider],
    ['Operation', [t.kind, t.operation].filter(Boolean).join(' · ')],
    ['Model asked / answered', t.request_model === t.model ? t.model : `${t.request_model ?? dash} / ${t.model ?? dash}`],
    ['Duration', ms(t.duration_ms)],
    ['Time to first token', ms(t.ttft_ms)],
    ['Input tokens', count(t.input_tokens)],
    ['Output tokens', count(t.output_tokens)],
    ['Total tokens', count(t.total_tokens)],
    ['Cache read / write', `${count(t.cache_read_tokens)} / ${count(t.cache_write_tokens)}`],
    ['Reasoning tokens', count(t.reasoning_tokens)],
    ['Cost', t.cost_source === 'price_table' ? `${usd(t.cost_usd)} (oct's price table)` : usd(t.cost_usd)],
    ['Finish reasons', t.finish_reasons?.join(', ')],
    ['Conversation', t.conversation_id],
    ['User', t.user_id],
    ['Convention', `${t.convention ?? dash} (${t.source})`],
    ['OTel trace / span', t.otel_trace_id === null ? null : `${t.otel_trace_id} / ${t.otel_span_id ?? dash}`],
    ['trace_id', t.trace_id],
  ];
  return [
    h('p', {}, link('#/calls', '← Calls')),
    h('h1', {}, name, ' ', statusBadge(t.status)),
    h(
      'dl',
      { class: 'facts' },
      ...facts.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value === null || value === '' ? dash : value)]),
    ),
    errors.length > 0 || t.status === 'error' ? errorSection(t, errors) : null,
    textSection('Prompt', 'prompt', t.input_text, t.input_bytes),
    textSection('Completion', 'completion', t.output_text, t.output_bytes),
    spans.length > 1 ? timeline(t, spans, spans_truncated) : null,
    t.attributes === null
      ? null
      : h('details', {}, h('summary', {}, 'Attributes'), h('pre', { class: 'text' }, JSON.stringify(t.attributes, null, 2))),
  ].filter((n): n is HTMLElement => n !== null);
}

function errorSection(t: TraceItem, errors: ErrorItem[]): HTMLElement {
  const items = errors.map((e) =>
    h(
      'li',
      {},
      h('strong', {}, e.error_type ?? 'error'),
      ` · ${e.origin} · ${time(e.occurred_at)}`,
      h('pre', { class: 'text' }, e.message ?? dash),
      e.stacktrace === null ? null : h('details', {}, h('summary', {}, 'Stack trace'), h('pre', { class: 'text' }, e.stacktrace)),
    ),
  );
  const fallback = errors.length === 0 ? h('p', {}, [t.error_type, t.status_message].filter(Boolean).join(': ') || 'failed') : null;
  return h(
    'section',
    { class: 'errors', 'aria-labelledby': 'errors-title' },
    h('h2', { id: 'errors-title' }, 'Errors'),
    fallback,
    h('ul', {}, ...items),
  );
}

function textSection(title: string, id: string, text: string | null, originalBytes: number | null): HTMLElement {
  const stored = text === null ? 0 : new TextEncoder().encode(text).length;
  const cut =
    originalBytes !== null && originalBytes > stored
      ? ` (first ${bytes(stored)} of ${bytes(originalBytes)} stored)`
      : text === null
        ? ''
        : ` (${bytes(stored)})`;
  return h(
    'section',
    { 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title, h('span', { class: 'hint' }, cut)),
    text === null
      ? h('p', { class: 'empty' }, 'Not recorded (most instrumentations leave content off by default).')
      : h('pre', { class: 'text', id, tabindex: '0' }, text),
  );
}

/** The other rows of the same OpenTelemetry trace, by start time, indented under their parent span. */
function timeline(current: TraceItem, spans: TraceItem[], truncated: boolean): HTMLElement {
  const start = Math.min(...spans.map((s) => s.start_time));
  const end = Math.max(...spans.map((s) => s.end_time ?? s.start_time + (s.duration_ms ?? 0)));
  const range = Math.max(end - start, 1);
  const depthOf = new Map<string, number>();
  const byId = new Map(spans.filter((s) => s.otel_span_id !== null).map((s) => [s.otel_span_id!, s]));
  const depth = (s: TraceItem, seen = 0): number => {
    const parent = s.otel_parent_span_id === null ? undefined : byId.get(s.otel_parent_span_id);
    if (parent === undefined || seen > 32) return 0;
    return (depthOf.get(parent.trace_id) ?? depth(parent, seen + 1)) + 1;
  };
  const rows = spans.map((s) => {
    const d = depth(s);
    depthOf.set(s.trace_id, d);
    const left = ((s.start_time - start) / range) * 100;
    const width = Math.max(((s.duration_ms ?? 0) / range) * 100, 0.5);
    const label = `${s.kind} · ${s.model ?? s.tool_name ?? s.agent_name ?? s.span_name ?? dash}`;
    const isCurrent = s.trace_id === current.trace_id;
    const bar = h('span', { class: 'span-bar' });
    // CSSOM properties, not style attributes, which the page's CSP refuses.
    bar.style.left = `${left.toFixed(2)}%`;
    bar.style.width = `${width.toFixed(2)}%`;
    const name = h(
      'span',
      { class: 'span-label' },
      isCurrent ? h('strong', { 'aria-current': 'true' }, label) : link(`#/call/${encodeURIComponent(s.trace_id)}`, label),
    );
    name.style.paddingLeft = `${Math.min(d, 8) * 0.9}rem`;
    return h(
      'li',
      { class: `span ${s.status}${isCurrent ? ' current' : ''}` },
      name,
      h('span', { class: 'span-track' }, bar),
      h('span', { class: 'num' }, ms(s.duration_ms)),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'timeline-title' },
    h(
      'h2',
      { id: 'timeline-title' },
      `Same trace: ${spans.length} spans`,
      h('span', { class: 'hint' }, truncated ? ' (first 1,000)' : ` over ${ms(range)}`),
    ),
    h('ol', { class: 'timeline' }, ...rows),
  );
}
