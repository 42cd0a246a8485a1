import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';

describe('the dashboard routes', () => {
  it('serve the page and its assets from oct itself, with a CSP that allows nothing from elsewhere', async () => {
    const { url } = await startOct();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // Every asset the page names is served by oct: none from a CDN.
    const assets = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]).filter((a) => !a.startsWith('data:'));
    expect(assets).toEqual(['/page/uPlot.min.css', '/page/page.css', '/page/uPlot.iife.min.js', '/page/main.js']);
    for (const asset of assets) expect((await fetch(`${url}${asset}`)).status, asset).toBe(200);
    expect((await fetch(`${url}/page/main.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answer an unknown asset with a 404 that lists the served ones, and other methods with a 405', async () => {
    const { url } = await startOct();
    const missing = await fetch(`${url}/page/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(
      /^no route for GET \/page\/nope\.js; oct serves .*GET \/page\/main\.js/,
    );
    const post = await fetch(`${url}/`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { error: string }).error).toContain('OTLP goes to POST /v1/traces');
  });

  it('are off with the read API when oct listens beyond loopback', async () => {
    const { url } = await startOct({ host: '0.0.0.0' });
    const local = url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${local}/api/v1/stats`)).status).toBe(404);
    expect((await fetch(`${local}/`)).status).toBe(404);
    expect((await fetch(`${local}/page/main.js`)).status).toBe(404);
  });
});
