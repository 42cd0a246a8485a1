import { read, type ErrorItem, type Page, type TraceItem } from './api.js';
import { h, link, replaceKeepingFocus, type Child } from './dom.js';
import { count, dash, ms, time, usd } from './format.js';
import { since, WINDOWS, type View } from './view.js';

/** Rows per page: the DOM never holds more than one page, however long the list. */
export const PAGE_SIZE = 100;

interface Filter {
  name: string;
  label: string;
  options?: readonly string[];
}

interface Column<T> {
  label: string;
  className?: string;
  cell(item: T): Child;
}

interface ListSpec<T> {
  title: string;
  hash: string;
  path: string;
  filters: Filter[];
  searchLabel: string;
  columns: Column<T>[];
  key(item: T): string;
  /** Where a row leads, if anywhere. */
  target(item: T): string | undefined;
}

const TRACE_KINDS = ['llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'];

const callName = (t: TraceItem) => t.model ?? t.tool_name ?? t.agent_name ?? t.span_name ?? t.kind;
const preview = (text: string | null, cut = false) => h('span', { class: 'preview' }, text === null ? dash : text + (cut ? '…' : ''));
export const statusBadge = (status: string) => h('span', { class: `badge ${status}` }, status);

export function callsView(main: HTMLElement, params: URLSearchParams): View {
  return listView<TraceItem>(main, params, {
    title: 'Calls',
    hash: '#/calls',
    path: '/api/v1/traces',
    searchLabel: 'Search prompts and completions',
    filters: [
      { name: 'model', label: 'Model' },
      { name: 'service', label: 'Service' },
      { name: 'provider', label: 'Provider' },
      { name: 'kind', label: 'Kind', options: TRACE_KINDS },
      { name: 'status', label: 'Status', options: ['ok', 'error'] },
      { name: 'conversation_id', label: 'Conversation' },
      { name: 'user_id', label: 'User' },
    ],
    columns: [
      { label: 'Service', cell: (t) => t.service_name ?? dash },
      { label: 'Call', cell: (t) => callName(t) },
      { label: 'Kind', cell: (t) => t.kind },
      { label: 'Status', cell: (t) => statusBadge(t.status) },
      { label: 'Tokens in → out', className: 'num', cell: (t) => `${count(t.input_tokens)} → ${count(t.output_tokens)}` },
      { label: 'Duration', className: 'num', cell: (t) => ms(t.duration_ms) },
      { label: 'Cost', className: 'num', cell: (t) => usd(t.cost_usd) },
      { label: 'Prompt', className: 'wide', cell: (t) => preview(t.input_text, t.input_truncated) },
    ],
    key: (t) => t.trace_id,
    target: (t) => `#/call/${encodeURIComponent(t.trace_id)}`,
  });
}

export function errorsView(main: HTMLElement, params: URLSearchParams): View {
  return listView<ErrorItem>(main, params, {
    title: 'Errors',
    hash: '#/errors',
    path: '/api/v1/errors',
    searchLabel: 'Search messages',
    filters: [
      { name: 'service', label: 'Service' },
      { name: 'error_type', label: 'Type' },
      { name: 'origin', label: 'Origin', options: ['exception_event', 'span_status', 'native'] },
    ],
    columns: [
      { label: 'Service', cell: (e) => e.service_name ?? dash },
      { label: 'Type', cell: (e) => e.error_type ?? dash },
      { label: 'Origin', cell: (e) => e.origin },
      { label: 'Message', className: 'wide', cell: (e) => preview(e.message, e.message_truncated) },
    ],
    key: (e) => e.trace_id,
    target: (e) => (e.llm_trace_id === null ? undefined : `#/call/${encodeURIComponent(e.llm_trace_id)}`),
  });
}

function listView<T extends { start_time?: number; occurred_at?: number }>(
  main: HTMLElement,
  params: URLSearchParams,
  spec: ListSpec<T>,
): View {
  const form = filterForm(spec, params);
  const body = h('div', { class: 'list' });
  main.replaceChildren(h('h1', {}, spec.title), form, body);
  let shown = '';
  const query = Object.fromEntries([...spec.filters.map((f) => f.name), 'q'].map((name) => [name, params.get(name) ?? undefined]));
  return {
    async refresh() {
      const page = await read<Page<T>>(spec.path, {
        ...query,
        since: since(params.get('window')),
        cursor: params.get('cursor') ?? undefined,
        limit: String(PAGE_SIZE),
      });
      const json = JSON.stringify(page);
      if (json === shown) return;
      shown = json;
      replaceKeepingFocus(body, table(spec, page.items), pager(spec, params, page));
    },
  };
}

function filterForm<T>(spec: ListSpec<T>, params: URLSearchParams): HTMLFormElement {
  const field = (label: string, control: HTMLElement) => h('label', {}, h('span', {}, label), control);
  const select = (name: string, options: Record<string, string>) => {
    const control = h('select', { name }, ...Object.entries(options).map(([value, text]) => h('option', { value }, text)));
    control.value = params.get(name) ?? '';
    control.addEventListener('change', () => form.requestSubmit());
    return control;
  };
  const form = h(
    'form',
    { class: 'filters', role: 'search' },
    field(spec.searchLabel, h('input', { type: 'search', name: 'q', id: 'q', value: params.get('q') ?? '', placeholder: 'text…' })),
    ...spec.filters.map((f) =>
      field(
        f.label,
        f.options
          ? select(f.name, { '': 'any', ...Object.fromEntries(f.options.map((o) => [o, o])) })
          : h('input', { type: 'text', name: f.name, value: params.get(f.name) ?? '' }),
      ),
    ),
    field('Time', select('window', { '': 'any time', ...Object.fromEntries(Object.entries(WINDOWS).map(([k, w]) => [k, w.label])) })),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams([...new FormData(form)].filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
    location.hash = `${spec.hash}${next.size > 0 ? `?${next.toString()}` : ''}`;
  });
  return form;
}

function table<T extends { start_time?: number; occurred_at?: number }>(spec: ListSpec<T>, items: T[]): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, 'Nothing matches yet. This list refreshes while oct writes.');
  const rows = items.map((item) => {
    const target = spec.target(item);
    const when = time(item.start_time ?? item.occurred_at ?? 0);
    const first = target === undefined ? h('span', {}, when) : link(target, when, { class: 'row-link', 'data-key': spec.key(item) });
    const row = h('tr', {}, h('td', { class: 'time' }, first), ...spec.columns.map((c) => h('td', { class: c.className }, c.cell(item))));
    if (target !== undefined) {
      row.classList.add('clickable');
      row.addEventListener('click', (event) => {
        if (!(event.target instanceof HTMLAnchorElement) && getSelection()?.isCollapsed !== false) location.hash = target;
      });
    }
    return row;
  });
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col', class: 'time' }, 'Time'),
    ...spec.columns.map((c) => h('th', { scope: 'col', class: c.className }, c.label)),
  );
  return h('table', { class: 'rows' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function pager<T>(spec: ListSpec<T>, params: URLSearchParams, page: Page<T>): HTMLElement {
  const at = (cursor: string | null) => {
    const next = new URLSearchParams(params);
    if (cursor === null) next.delete('cursor');
    else next.set('cursor', cursor);
    return `${spec.hash}${next.size > 0 ? `?${next.toString()}` : ''}`;
  };
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    params.has('cursor') ? link(at(null), '↑ Newest') : null,
    h('span', {}, `${page.items.length} shown, newest first`),
    page.next === null ? null : link(at(page.next), 'Older →', { rel: 'next' }),
  );
}
