import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium (.ci/run installs it), headless. `launch` gives every browser a fresh
 * temporary profile; the flags keep it from calling home or waiting on a GPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** With SCREENSHOTS_DIR set (`SCREENSHOTS_DIR=/work/screens npx vitest run test/page`), keeps a screenshot of the page. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

/** Posts native items and returns their trace_ids. */
export async function postNative(
  url: string,
  route: 'traces' | 'errors',
  items: object[],
  headers: Record<string, string> = {},
): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(items),
  });
  if (res.status !== 202) throw new Error(`POST /api/v1/${route}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { trace_ids: string[] }).trace_ids;
}
