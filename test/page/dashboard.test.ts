import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, startOct, waitFor } from '../helpers.js';
import { OCT_ENGINES } from '../oct-engines.js';
import { keepScreenshot, launchChromium, postNative } from './browser.js';

const HOUR = 3_600_000;
const messages = (role: string, text: string) => JSON.stringify([{ role, parts: [{ type: 'text', content: text }] }]);

/** An agent run through the OpenTelemetry SDK's protobuf exporter: a chat call and a failing one under an agent span. */
async function postAgentRun(url: string): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
  });
  const tracer = provider.getTracer('dashboard-test');
  // Whole milliseconds apart, as oct stores them: the timeline's order is the spans' start order.
  const t0 = Date.now() - 1_000;
  const agent = tracer.startSpan('invoke_agent helper', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper' },
    startTime: t0,
  });
  const parent = trace.setSpan(ROOT_CONTEXT, agent);
  const chat = tracer.startSpan(
    'chat gpt-4o',
    {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 40,
        'gen_ai.input.messages': messages('user', 'Which umbrella should I buy?'),
        'gen_ai.output.messages': messages('assistant', 'The blue one.'),
      },
      startTime: t0 + 10,
    },
    parent,
  );
  chat.end(t0 + 400);
  const failing = tracer.startSpan(
    'chat claude',
    {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4',
        'gen_ai.input.messages': messages('user', 'Is the blue umbrella in stock?'),
      },
      startTime: t0 + 420,
    },
    parent,
  );
  const err = new Error('429 rate limit reached');
  err.name = 'RateLimitError';
  failing.recordException(err);
  failing.setStatus({ code: SpanStatusCode.ERROR, message: '429 rate limit reached' });
  failing.end(t0 + 600);
  agent.end(t0 + 700);
  await provider.shutdown();
}

/** Native calls of a billing service, spread over the last 20 hours so the charts have buckets. */
function billingCalls(n: number) {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    model: i % 3 === 0 ? 'gpt-4o-mini' : 'mistral-large',
    provider: i % 3 === 0 ? 'openai' : 'mistral',
    service_name: 'billing',
    input: `Invoice ${i}: what is the total?`,
    output: `The total of invoice ${i} is ${i * 10} EUR.`,
    input_tokens: 200 + i * 7,
    output_tokens: 30 + i,
    cost_usd: 0.0004 * (i + 1),
    duration_ms: 300 + ((i * 137) % 900),
    start_time: now - Math.round(((i + 1) / n) * 20 * HOUR),
    status: i === 4 ? 'error' : 'ok',
    status_message: i === 4 ? 'upstream timeout' : undefined,
  }));
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const problems = new WeakMap<Page, string[]>();

async function open(url: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US', ...options });
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('pageerror', (err) => seen.push(err.message));
  page.on('console', (msg) => (msg.type() === 'error' ? seen.push(msg.text()) : undefined));
  await page.goto(url);
  return page;
}

/** Every test ends with no script error and no refused request (CSP, missing asset) in the console. */
async function close(page: Page): Promise<void> {
  await page.context().close();
  expect(problems.get(page)).toEqual([]);
}

const rows = (page: Page) => page.locator('table.rows tbody tr');
const tile = (page: Page, label: string) =>
  page
    .locator('.tile')
    .filter({ has: page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) })
    .locator('.tile-value')
    .textContent();

describe('the dashboard in Chromium', () => {
  it.each(OCT_ENGINES)(
    'shows the posted calls, narrows the list with filters, opens a call with its prompt, error and trace, and stays live, on $name',
    async (engine) => {
      // Commit acknowledgements: once the posts are answered, their 15 rows can be read.
      const oct = await engine.start({ ack: 'commit' });
      await postAgentRun(oct.url);
      await postNative(oct.url, 'traces', billingCalls(12));

      const page = await open(`${oct.url}/`);
      // Model calls only: the agent span does not count.
      await expect.poll(() => tile(page, 'Calls')).toBe('14');
      await expect.poll(() => tile(page, 'Errors')).toBe('2');
      const byService = page.locator('.group', { hasText: 'By service' });
      await expect
        .poll(() => byService.locator('tbody tr').allTextContents())
        .toEqual([expect.stringMatching(/^billing12/), expect.stringMatching(/^shop2/)]);
      expect(await page.locator('.group', { hasText: 'By model' }).locator('tbody th').allTextContents()).toEqual(
        expect.arrayContaining(['mistral-large', 'gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4']),
      );
      expect(await page.locator('.chart canvas').count()).toBe(4);
      await keepScreenshot(page, `${engine === OCT_ENGINES[0] ? '' : 'postgres-'}overview.png`);

      // A model in the by-model table opens the calls it counts.
      await page.locator('.group', { hasText: 'By model' }).getByRole('link', { name: 'gpt-4o-mini' }).click();
      expect(page.url()).toContain('#/calls?model=gpt-4o-mini');
      await expect.poll(() => rows(page).count()).toBe(4);
      await page.goto(`${oct.url}/`);

      await page.getByRole('link', { name: 'Calls', exact: true }).click();
      await expect.poll(() => rows(page).count()).toBe(15);
      await page.getByLabel('Service').fill('billing');
      await page.getByLabel('Service').press('Enter');
      await expect.poll(() => rows(page).count()).toBe(12);
      expect(page.url()).toContain('#/calls?service=billing');
      await page.getByLabel('Status').selectOption('error');
      await expect.poll(() => rows(page).allTextContents()).toEqual([expect.stringContaining('Invoice 4:') as unknown]);

      await page.getByLabel('Service').fill('shop');
      await page.getByLabel('Service').press('Enter');
      await rows(page).filter({ hasText: 'claude-sonnet-4' }).click();
      await expect.poll(() => page.locator('h1').textContent()).toContain('claude-sonnet-4');
      expect(await page.locator('#prompt').textContent()).toBe('user: Is the blue umbrella in stock?');
      const errors = page.locator('section.errors');
      expect(await errors.textContent()).toContain('RateLimitError');
      expect(await errors.textContent()).toContain('429 rate limit reached');
      // The same OTel trace: agent, chat, failing chat.
      expect(await page.locator('.timeline li').allTextContents()).toEqual([
        expect.stringContaining('agent · helper'),
        expect.stringContaining('llm · gpt-4o'),
        expect.stringContaining('llm · claude-sonnet-4'),
      ]);
      await keepScreenshot(page, `${engine === OCT_ENGINES[0] ? '' : 'postgres-'}detail.png`);
      await page.locator('.timeline a', { hasText: 'gpt-4o' }).click();
      await expect.poll(() => page.locator('#completion').textContent()).toBe('assistant: The blue one.');

      // Live: a call written while the list is open appears without a reload.
      await page.goto(`${oct.url}/#/calls?service=billing`);
      await expect.poll(() => rows(page).count()).toBe(12);
      await postNative(oct.url, 'traces', [{ model: 'gpt-4o-mini', service_name: 'billing', input: 'a late question' }]);
      await expect.poll(() => rows(page).first().textContent(), { timeout: 8_000 }).toContain('a late question');
      await close(page);
    },
  );

  it('is usable from the keyboard', async () => {
    const oct = await startOct();
    const [, wanted] = await postNative(oct.url, 'traces', [
      { model: 'gpt-4o', input: 'first question', output: 'first answer' },
      { model: 'gpt-4o', input: 'keyboard question', output: 'keyboard answer' },
    ]);
    await waitFor(() => count(oct.db, 'traces') === 2, 5_000, '2 rows');
    const page = await open(`${oct.url}/#/calls`);
    await expect.poll(() => rows(page).count()).toBe(2);
    await page.keyboard.press('/');
    await page.keyboard.type('keyboard');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.keyboard.press('Escape'); // leaves the search box
    await page.keyboard.press('j');
    expect(await page.evaluate('document.activeElement?.className')).toBe('row-link');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`#/call/${wanted}`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('keyboard question');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url()).toMatch(/#\/calls\?q=keyboard$/);
    await close(page);
  });

  it('keeps its layout with a 300 KB prompt and a 10,000-row list, and never runs stored text as markup', async () => {
    const oct = await startOct({ maxTextBytes: 400_000 });
    const hostile = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>';
    const prompt = `${hostile}\n${'word '.repeat(60_000)}${'x'.repeat(2_000)}`;
    const [big] = await postNative(oct.url, 'traces', [{ model: 'gpt-4o', input: prompt, output: hostile }]);
    const now = Date.now();
    for (let i = 0; i < 20; i++)
      await postNative(
        oct.url,
        'traces',
        Array.from({ length: 500 }, (_, j) => ({
          model: 'gpt-4o-mini',
          input: `bulk ${i * 500 + j}`,
          start_time: now - 1_000 - i * 500 - j,
        })),
      );
    await waitFor(() => count(oct.db, 'traces') === 10_001, 20_000, '10,001 rows');

    const page = await open(`${oct.url}/#/call/${big}`, { colorScheme: 'dark' });
    await expect
      .poll(() =>
        page
          .locator('#prompt')
          .textContent()
          .then((t) => t?.length),
      )
      .toBe(prompt.length);
    const { promptHeight, ...layout } = await page.evaluate<{ promptHeight: number }>(`({
      pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      promptHeight: document.getElementById('prompt').getBoundingClientRect().height,
      hacked: window.hacked,
      imgs: document.querySelectorAll('main img, main script').length,
      background: getComputedStyle(document.body).backgroundColor,
    })`);
    expect(layout).toEqual({ pageOverflow: 0, hacked: undefined, imgs: 0, background: 'rgb(17, 20, 24)' });
    // The prompt scrolls inside its box (60vh) instead of stretching the page.
    expect(promptHeight).toBeLessThanOrEqual(900 * 0.6 + 30);
    expect(await page.locator('#completion').textContent()).toBe(hostile);

    await page.goto(`${oct.url}/#/calls`);
    await expect.poll(() => rows(page).count()).toBe(100);
    const firstRow = await rows(page).first().boundingBox();
    expect(firstRow!.height).toBeLessThan(60);
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect.poll(() => rows(page).first().textContent()).toContain('bulk 99');
    expect(await rows(page).count()).toBe(100);
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await close(page);
  });

  it('asks for the API key when the read API answers 401, keeps it for the tab, sends it as a Bearer token, and forgets it', async () => {
    const key = 'dashboard-key-0123456789';
    const oct = await startOct({ apiKeys: [key] });
    await postNative(oct.url, 'traces', [{ model: 'gpt-4o', input: 'a guarded question', output: 'a guarded answer' }], {
      authorization: `Bearer ${key}`,
    });
    await waitFor(() => count(oct.db, 'traces') === 1, 5_000, '1 row');
    const page = await open(`${oct.url}/#/calls`);
    const authorizations: (string | undefined)[] = [];
    page.on('request', (req) => (req.url().includes('/api/v1/') ? authorizations.push(req.headers().authorization) : undefined));

    const dialog = page.getByRole('dialog', { name: 'API key' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('This oct asks for an API key (OCT_API_KEY) to read its data.');
    // A wrong key is refused and asked for again.
    await dialog.getByLabel('Key').fill('not-the-key');
    await dialog.getByLabel('Key').press('Enter');
    await expect
      .poll(() => page.locator('#key-message').textContent())
      .toBe('oct refused that key. Enter the API key (OCT_API_KEY) again.');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Key').fill(key);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => rows(page).allTextContents()).toEqual([expect.stringContaining('a guarded question') as unknown]);
    expect(await dialog.isVisible()).toBe(false);
    expect(await page.evaluate(`sessionStorage.getItem('oct.apiKey')`)).toBe(key);
    expect(authorizations).toContain(`Bearer ${key}`);

    // A reload in the same tab keeps the key; "Forget key" drops it and the question comes back.
    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await dialog.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Forget key' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.evaluate(`sessionStorage.getItem('oct.apiKey')`)).toBeNull();
    await page.context().close();
    // The browser reports each 401 it was answered; nothing else went wrong.
    expect(problems.get(page)!.filter((p) => !p.includes('status of 401'))).toEqual([]);
  });
});
