import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/query/cursor.js';
import { ParamError, parseErrorListParams, parseStatsParams, parseTraceListParams, type QueryString } from '../../src/query/params.js';

const NOW = Date.UTC(2026, 0, 31, 12);
const DAY = 86_400_000;

function failure(parse: (q: QueryString, now: number) => unknown, query: QueryString): ParamError {
  try {
    parse(query, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(ParamError);
    return err as ParamError;
  }
  throw new Error('expected a ParamError');
}

describe('list parameters', () => {
  it('default to 50 items and no time window', () => {
    expect(parseTraceListParams({}, NOW)).toEqual({ limit: 50 });
    expect(parseErrorListParams({}, NOW)).toEqual({ limit: 50 });
  });

  it('accept every filter, lower-casing ids', () => {
    const query = {
      limit: '500',
      since: '2026-01-30T00:00:00Z',
      until: String(NOW),
      model: 'gpt-4o',
      provider: 'openai',
      service: 'billing',
      kind: 'embedding',
      status: 'error',
      convention: 'otel',
      otel_trace_id: 'ABCDEF0123456789ABCDEF0123456789',
      conversation_id: 'c1',
      user_id: 'u1',
      q: 'refund',
    };
    expect(parseTraceListParams(query, NOW)).toEqual({
      ...query,
      limit: 500,
      since: Date.UTC(2026, 0, 30),
      until: NOW,
      otel_trace_id: 'abcdef0123456789abcdef0123456789',
    });
    const uuid = '4834F50A-E421-446B-8967-C07D2B605B8A';
    expect(parseErrorListParams({ origin: 'span_status', llm_trace_id: uuid, error_type: 'E' }, NOW)).toEqual({
      limit: 50,
      origin: 'span_status',
      llm_trace_id: uuid.toLowerCase(),
      error_type: 'E',
    });
  });

  it('take RFC 3339 times with an offset or epoch milliseconds', () => {
    expect(parseTraceListParams({ since: '2026-01-30T02:00:00.250+02:00', until: '1769817600000' }, NOW)).toMatchObject({
      since: Date.UTC(2026, 0, 30, 0, 0, 0, 250),
      until: 1769817600000,
    });
  });

  it('name the parameter and what it accepts', () => {
    const cases: [QueryString, string, RegExp][] = [
      [{ limit: '0' }, 'limit', /integer from 1 to 500/],
      [{ limit: '501' }, 'limit', /integer from 1 to 500/],
      [{ limit: '2.5' }, 'limit', /integer/],
      [{ since: '2026-01-30' }, 'since', /RFC 3339.*epoch milliseconds/],
      [{ until: 'yesterday' }, 'until', /RFC 3339/],
      [{ since: String(NOW), until: String(NOW) }, 'until', /later than since/],
      [{ kind: 'chat' }, 'kind', /one of llm, embedding, tool, agent, retrieval, workflow, other/],
      [{ status: 'failed' }, 'status', /one of ok, error/],
      [{ otel_trace_id: 'xyz' }, 'otel_trace_id', /32 hex digits/],
      [{ model: 'm'.repeat(513) }, 'model', /at most 512/],
      [{ cursor: 'not-a-cursor' }, 'cursor', /`next` value/],
      [{ model: ['a', 'b'] }, 'model', /more than once/],
    ];
    for (const [query, param, problem] of cases) {
      const err = failure(parseTraceListParams, query);
      expect(err.param, JSON.stringify(query)).toBe(param);
      expect(err.message).toMatch(new RegExp(`^${param}: `));
      expect(err.message).toMatch(problem);
    }
    expect(failure(parseErrorListParams, { llm_trace_id: 'abc' }).message).toMatch(/^llm_trace_id: expected a UUID/);
    expect(failure(parseErrorListParams, { origin: 'x' }).message).toMatch(/one of exception_event, span_status, native/);
  });

  it('refuse unknown parameters by name', () => {
    const one = failure(parseTraceListParams, { limit: '5', modle: 'x' });
    expect(one.param).toBe('modle');
    expect(one.message).toMatch(/^modle: unknown parameter; this route accepts limit, cursor, since, until, q, model/);
    expect(failure(parseErrorListParams, { model: 'x', kind: 'llm' }).message).toMatch(/^model, kind: unknown parameters/);
  });

  it('count empty values as not given', () => {
    expect(parseTraceListParams({ model: '', cursor: '', limit: '' }, NOW)).toEqual({ limit: 50 });
  });

  it('take only cursors of the same list', () => {
    const cursor = encodeCursor('traces', { time: NOW, key: 7 });
    expect(parseTraceListParams({ cursor }, NOW).cursor).toEqual({ time: NOW, key: 7 });
    expect(failure(parseErrorListParams, { cursor }).param).toBe('cursor');
    expect(failure(parseTraceListParams, { cursor: Buffer.from('["t",1.5,2]').toString('base64url') }).param).toBe('cursor');
  });

  it('hold a q search to the last 7 days by default and to 31 days at most', () => {
    expect(parseTraceListParams({ q: 'x' }, NOW)).toEqual({ limit: 50, q: 'x', since: NOW - 7 * DAY });
    expect(parseErrorListParams({ q: 'x', until: String(NOW - DAY) }, NOW)).toMatchObject({ since: NOW - 8 * DAY, until: NOW - DAY });
    expect(parseTraceListParams({ q: 'x', since: String(NOW - 31 * DAY) }, NOW).since).toBe(NOW - 31 * DAY);
    const err = failure(parseTraceListParams, { q: 'x', since: String(NOW - 31 * DAY - 1) });
    expect(err.message).toMatch(/^since: a q search covers at most 31 days/);
    // Without q the window is open.
    expect(parseTraceListParams({ since: '0' }, NOW)).toEqual({ limit: 50, since: 0 });
  });
});

describe('stats parameters', () => {
  it('default to hourly buckets over the last day, or daily over the last 30 days', () => {
    expect(parseStatsParams({}, NOW)).toEqual({ since: NOW - DAY, until: NOW, bucket: 'hour' });
    expect(parseStatsParams({ bucket: 'day', group: 'model' }, NOW)).toEqual({
      since: NOW - 30 * DAY,
      until: NOW,
      bucket: 'day',
      group: 'model',
    });
  });

  it('cover at most 31 days by hour and 400 days by day', () => {
    expect(parseStatsParams({ since: String(NOW - 31 * DAY) }, NOW).since).toBe(NOW - 31 * DAY);
    expect(failure(parseStatsParams, { since: String(NOW - 31 * DAY - 1) }).message).toMatch(/^since: stats by hour cover at most 31 days/);
    expect(parseStatsParams({ bucket: 'day', since: String(NOW - 400 * DAY) }, NOW).since).toBe(NOW - 400 * DAY);
    expect(failure(parseStatsParams, { bucket: 'day', since: String(NOW - 401 * DAY) }).message).toMatch(/at most 400 days/);
  });

  it('name bad or unknown parameters', () => {
    expect(failure(parseStatsParams, { bucket: 'week' }).message).toMatch(/^bucket: expected one of hour, day/);
    expect(failure(parseStatsParams, { group: 'user' }).message).toMatch(/^group: expected one of model, service, provider/);
    expect(failure(parseStatsParams, { limit: '5' }).message).toMatch(
      /^limit: unknown parameter; this route accepts since, until, bucket, group/,
    );
    expect(failure(parseStatsParams, { since: String(NOW + 1) }).param).toBe('until');
  });
});
