import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { errorItemSchema, traceItemSchema } from '../../../src/receiver/native/schema.js';
import { count, lockDatabase, startOct, waitFor } from '../../helpers.js';
import { JSON_TYPE, health, post, rowsOf } from './native-fixture.js';
import { matching } from '../matchers.js';

const TIME = 'expected an RFC 3339 date-time such as 2024-05-01T12:00:00.000Z, or Unix epoch milliseconds';
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ model: `m${i}` }));

describe('native API request handling', () => {
  it('inflates a gzip body', async () => {
    const oct = await startOct();
    const body = zlib.gzipSync(JSON.stringify([{ model: 'gz-1' }, { model: 'gz-2' }]));
    const res = await post(oct.url, '/api/v1/traces', body, { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect((await rowsOf(oct.db, 'traces', 2)).map((r) => r.model)).toEqual(['gz-1', 'gz-2']);
  });

  it('stores metadata nested to the depth limit, and counts no bracket inside a string', async () => {
    const oct = await startOct();
    // 64 levels: the body's object and 63 in metadata; its string holds 10,000 brackets, an escaped quote and a backslash.
    const deep = `${'{"a":'.repeat(63)}"${'[{'.repeat(5_000)}\\\\\\"\\\\"${'}'.repeat(63)}`;
    const res = await post(oct.url, '/api/v1/traces', `{"model":"deep","metadata":${deep}}`);
    expect(res.status).toBe(202);
    const [row] = await rowsOf(oct.db, 'traces', 1);
    expect(JSON.parse(String(row.attributes))).toEqual(JSON.parse(deep));
    const deeper = await post(oct.url, '/api/v1/traces', `{"model":"deep","metadata":{"b":${deep}}}`);
    expect(deeper).toMatchObject({
      status: 400,
      body: { error: 'JSON nested deeper than 64 levels of arrays and objects; oct accepts at most 64' },
    });
  });

  it('accepts the content type in any case and with parameters', async () => {
    const oct = await startOct();
    for (const type of ['APPLICATION/JSON', 'application/json; charset=utf-8']) {
      expect((await post(oct.url, '/api/v1/errors', { message: 'x' }, { 'content-type': type })).status).toBe(202);
    }
  });

  it('rejects a bad request with every problem and its path, and stores nothing', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', [
      { model: 'fine' },
      {},
      { model: '' },
      { model: 7, input_tokens: -1, output_tokens: 'many' },
      { model: 'm', start_time: 'yesterday' },
      { model: 'm', start_time: '2024-05-01T12:00:01Z', end_time: '2024-05-01T12:00:00Z' },
      { model: 'm', otel_trace_id: 'xyz', otel_span_id: '0000000000000000' },
      { model: 'm', input_token: 5 },
      { model: 'm', kind: 'chatbot', status: 'failed' },
      { model: 'm', metadata: ['not', 'an', 'object'] },
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid request: 13 problems',
      problems: [
        '[1].model: is required',
        '[2].model: expected a non-empty string',
        '[3].model: expected a non-empty string',
        '[3].input_tokens: expected a non-negative integer',
        '[3].output_tokens: expected a non-negative integer',
        `[4].start_time: ${TIME}`,
        '[5].end_time: must not be before start_time',
        '[6].otel_trace_id: expected 32 hex digits, not all zero',
        '[6].otel_span_id: expected 16 hex digits, not all zero',
        "[7]: unknown field 'input_token' (did you mean 'input_tokens'?)",
        "[8].kind: expected one of 'llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'",
        "[8].status: expected one of 'ok', 'error'",
        '[9].metadata: expected a JSON object',
      ],
    });
    const stats = await health(oct.url);
    expect(stats.pipeline.received).toBe(0);
    expect(stats.receiver.native_requests_failed).toBe(1);
  });

  it('names the field without an index when the body is a single object', async () => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', { input_token: 5 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid request: 2 problems',
      problems: ['model: is required', "unknown field 'input_token' (did you mean 'input_tokens'?)"],
    });
  });

  it.each([
    ['an empty body', '', /^invalid JSON: /],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0x22, 0x3a, 0x31, 0x7d]), /^invalid JSON: the body is not valid UTF-8$/],
    ['a JSON string', '"model"', /^expected a JSON object or an array of objects$/],
    ['JSON null', 'null', /^expected a JSON object or an array of objects$/],
  ])('answers 400 to %s', async (_name, body, error) => {
    const oct = await startOct();
    const res = await post(oct.url, '/api/v1/traces', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: matching(error) });
  });

  it('answers 202 to an empty array without offering anything', async () => {
    const oct = await startOct();
    for (const path of ['/api/v1/traces', '/api/v1/errors']) {
      const res = await post(oct.url, path, []);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: 0, trace_ids: [] });
    }
    expect((await health(oct.url)).pipeline.received).toBe(0);
  });

  it('serves the published schemas', async () => {
    const oct = await startOct();
    for (const [kind, schema] of [
      ['traces', traceItemSchema],
      ['errors', errorItemSchema],
    ] as const) {
      const res = await fetch(`${oct.url}/api/v1/schema/${kind}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(schema);
    }
    const wrong = await fetch(`${oct.url}/api/v1/schema/traces`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('native API and the pipeline', () => {
  it('answers 202 while the writer is paused, and the rows appear soon after it resumes', async () => {
    const oct = await startOct();
    const lock = lockDatabase(oct.dbPath);
    const first = await post(oct.url, '/api/v1/traces', [{ model: 'a' }, { model: 'b', status: 'error' }]);
    expect(first.status).toBe(202);
    // Once the batch is in the writer's hands it is blocked on the lock; the API still answers.
    await waitFor(() => oct.runtime.health().pipeline.batches >= 1, 5_000, 'the first batch');
    const second = await post(oct.url, '/api/v1/errors', { message: 'while paused' });
    expect(second.status).toBe(202);
    expect(count(oct.db, 'traces') + count(oct.db, 'errors')).toBe(0);

    const released = performance.now();
    lock.release();
    await waitFor(() => count(oct.db, 'traces') === 2 && count(oct.db, 'errors') === 2, 2_000, 'the rows');
    // The writer retries the locked batch within 250 ms (+ a 100 ms busy wait); the second event,
    // queued just before the release, waits for its 500 ms batch timer. Measured: ~500 ms. The
    // issue's budget is 600 ms; the extra 300 ms is margin for a loaded CI machine.
    expect(performance.now() - released).toBeLessThan(900);
    expect((await rowsOf(oct.db, 'traces', 2)).map((r) => r.trace_id)).toEqual(first.body.trace_ids);
  });

  it('counts a failed call as two rows against the queue', async () => {
    const oct = await startOct({ queueCapacity: 10, batchMaxRows: 10 });
    // Six failed calls are twelve rows: a trace and an error each.
    const failed = await post(
      oct.url,
      '/api/v1/traces',
      items(6).map((item) => ({ ...item, status: 'error' })),
    );
    expect(failed.status).toBe(413);
    expect(failed.body).toEqual({ error: 'the request holds 6 traces (12 rows) but the queue holds at most 10; send smaller arrays' });
    expect((await post(oct.url, '/api/v1/traces', items(10))).status).toBe(202);
  });
});
