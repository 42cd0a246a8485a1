import { ApiError, forgetKey, storedKey } from './api.js';
import { detailView } from './detail.js';
import { h } from './dom.js';
import { callsView, errorsView } from './lists.js';
import { overviewView } from './overview.js';
import type { View } from './view.js';

/** How often the shown view asks again while the tab is visible: the page is live while oct writes. */
const REFRESH_MS = 2_000;

const main = document.getElementById('main')!;
const status = document.getElementById('status')!;
let view: View | undefined;
let refreshing = false;
/** In-page navigations since load, so Escape goes back only within the page. */
let depth = 0;

function route(): View {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('header nav a'))
    a.toggleAttribute('aria-current', a.dataset.view === (parts[0] === 'call' ? 'calls' : (parts[0] ?? 'overview')));
  if (parts[0] === 'calls') return callsView(main, params);
  if (parts[0] === 'errors') return errorsView(main, params);
  if (parts[0] === 'call' && parts[1] !== undefined) return detailView(main, decodeURIComponent(parts[1]));
  return overviewView(main, params);
}

async function refresh(): Promise<void> {
  if (refreshing || view === undefined) return;
  refreshing = true;
  const current = view;
  try {
    await current.refresh();
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.classList.remove('failed');
  } catch (err) {
    status.textContent = err instanceof ApiError ? err.message : 'oct is not answering';
    status.classList.add('failed');
    if (err instanceof ApiError && err.status === 404 && current === view)
      main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, err.message));
  } finally {
    refreshing = false;
  }
}

function show(): void {
  view?.dispose?.();
  view = route();
  refreshing = false;
  void refresh();
}

window.addEventListener('hashchange', () => {
  depth++;
  show();
  main.focus({ preventScroll: false });
});

// Colours come from CSS variables when charts are drawn; redraw when the scheme flips.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', show);

setInterval(() => {
  if (!document.hidden) void refresh();
}, REFRESH_MS);

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
  const target = event.target as HTMLElement;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
  if (event.key === 'Escape') {
    if (typing) return target.blur();
    if (location.hash.startsWith('#/call/')) {
      if (depth > 0) history.back();
      else location.hash = '#/calls';
    }
    return;
  }
  if (typing) return;
  if (event.key === '/') {
    const search = document.getElementById('q');
    if (search) {
      event.preventDefault();
      search.focus();
    }
  } else if (event.key === 'j' || event.key === 'k') {
    const rows = [...document.querySelectorAll<HTMLAnchorElement>('a.row-link')];
    if (rows.length === 0) return;
    const at = rows.indexOf(document.activeElement as HTMLAnchorElement);
    const next = at === -1 ? 0 : Math.min(Math.max(at + (event.key === 'j' ? 1 : -1), 0), rows.length - 1);
    rows[next].focus();
    event.preventDefault();
  }
});

const forget = document.getElementById('forget-key') as HTMLButtonElement;
forget.hidden = storedKey() === null;
forget.addEventListener('click', () => {
  forgetKey();
  forget.hidden = true;
  show();
});

show();
