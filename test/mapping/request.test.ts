/** Request-level behaviour: invalid ids, non-GenAI spans, counters and event order. */
import { describe, expect, it } from 'vitest';
import { errorRows, map, request, traceRows } from './fixtures.js';

const CHAT = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' };

describe('span identity', () => {
  it('rejects spans with an all-zero trace id or an empty span id and maps the valid ones', () => {
    const result = map(
      request(
        { spans: [{ attributes: CHAT, spanId: '1111111111111111' }] },
        {
          spans: [
            { attributes: CHAT, traceId: '0'.repeat(32), statusCode: 2 },
            { attributes: CHAT, spanId: '2222222222222222' },
            { attributes: CHAT, spanId: '' },
          ],
        },
      ),
    );
    expect(result.rejectedSpans).toBe(2);
    expect(result.rejectionMessage).toBe(
      '2 spans rejected: invalid trace_id or span_id (empty, all zeros or not 32/16 hex digits), ' +
        'first at resourceSpans[1].scopeSpans[0].spans[0]',
    );
    expect(traceRows(result).map((r) => r.otel_span_id)).toEqual(['1111111111111111', '2222222222222222']);
    expect(errorRows(result)).toEqual([]); // the failing span was rejected: no rows at all
    expect(result.events.map((e) => e.type)).toEqual(['trace', 'trace']);
  });

  it.each([
    ['short trace id', { traceId: 'abc' }],
    ['upper-case trace id', { traceId: '5B8EFFF798038103D269B633813FC60C' }],
    ['all-zero span id', { spanId: '0000000000000000' }],
    ['span id of a trace id length', { spanId: '5b8efff798038103d269b633813fc60c' }],
  ])('rejects a %s', (_name, ids) => {
    const result = map(request({ spans: [{ attributes: CHAT, ...ids }] }));
    expect([result.rejectedSpans, result.events.length]).toEqual([1, 0]);
    expect(result.rejectionMessage).toMatch(/^1 span rejected: .* first at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]$/);
  });

  it('stores an empty or all-zero parent span id as null', () => {
    const rows = traceRows(
      map(
        request({
          spans: [
            { attributes: CHAT, parentSpanId: '' },
            { attributes: CHAT, parentSpanId: '0'.repeat(16) },
          ],
        }),
      ),
    );
    expect(rows.map((r) => r.otel_parent_span_id)).toEqual([null, null]);
  });

  it('reports no rejection when every span is valid', () => {
    const result = map(request({ spans: [{ attributes: CHAT }] }));
    expect([result.rejectedSpans, result.rejectionMessage]).toEqual([0, null]);
  });
});

describe('non-GenAI spans', () => {
  it('gives an HTTP server span no traces row and counts it as ignored', () => {
    const result = map(
      request({
        resource: { 'service.name': 'web' },
        scope: '@opentelemetry/instrumentation-http',
        spans: [
          {
            name: 'GET /health',
            kind: 2,
            attributes: { 'http.request.method': 'GET', 'http.route': '/health', 'http.response.status_code': 200 },
          },
        ],
      }),
    );
    expect(result).toEqual({ events: [], rejectedSpans: 0, rejectionMessage: null, ignoredSpans: 1 });
  });

  it('keeps trace and error rows in span order across resources', () => {
    const result = map(
      request(
        {
          spans: [
            { name: 'a', attributes: CHAT, statusCode: 2 },
            { name: 'b', attributes: {}, statusCode: 2 },
          ],
        },
        { spans: [{ name: 'c', attributes: CHAT }] },
      ),
    );
    expect(result.events.map((e) => `${e.type}:${'span_name' in e.row ? e.row.span_name : ''}`)).toEqual([
      'trace:a',
      'error:a',
      'error:b',
      'trace:c',
    ]);
    expect([traceRows(result).length, result.ignoredSpans]).toEqual([2, 1]);
  });
});
