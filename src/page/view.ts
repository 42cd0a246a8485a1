/** What the router shows: `refresh` runs at once and then every few seconds while the tab is visible. */
export interface View {
  refresh(): Promise<void>;
  dispose?(): void;
}

/** Time windows offered by the filters, as the `window` hash parameter. */
export const WINDOWS: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last 24 hours', ms: 86_400_000 },
  '7d': { label: 'last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'last 30 days', ms: 30 * 86_400_000 },
};

export function since(window: string | null): string | undefined {
  const w = window === null ? undefined : WINDOWS[window];
  return w === undefined ? undefined : String(Date.now() - w.ms);
}
