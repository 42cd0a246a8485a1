const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export const dash = '–';

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? dash : integer.format(n);
}

export function short(n: number | null | undefined): string {
  return n === null || n === undefined ? dash : n < 10_000 ? integer.format(n) : compact.format(n);
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return dash;
  return `$${n === 0 ? '0' : n < 0.01 ? n.toPrecision(2) : n.toFixed(n < 100 ? 4 : 2)}`;
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return dash;
  return n < 1_000 ? `${Math.round(n)} ms` : `${(n / 1_000).toFixed(n < 10_000 ? 2 : 1)} s`;
}

export function time(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}
