import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTracesJson } from '../../../src/receiver/otlp/decode-traces-json.js';
import { countSpans, type Span, type TracesRequest } from '../../../src/model/otlp.js';
import { DecodeError } from '../../../src/receiver/otlp/decode-errors.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function decode(body: string | object): TracesRequest {
  return decodeTracesJson(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

/** A request whose only scope holds `spans`. */
function request(...spans: unknown[]): object {
  return { resourceSpans: [{ scopeSpans: [{ spans }] }] };
}

function span(fields: object = {}): object {
  return { traceId: TRACE_ID, spanId: SPAN_ID, name: 'op', ...fields };
}

function onlySpan(body: string | object): Span {
  const decoded = decode(body);
  expect(countSpans(decoded)).toBe(1);
  return decoded.resourceSpans[0].scopeSpans[0].spans[0];
}

/** Span attributes built from `{ key: AnyValue }`. */
function attributesOf(values: Record<string, unknown>): Map<string, unknown> {
  return onlySpan(request(span({ attributes: Object.entries(values).map(([key, value]) => ({ key, value })) }))).attributes;
}

/** An AnyValue nested `levels` deep (level 1 is the attribute's own value), innermost a string. */
function nested(levels: number): object {
  let value: object = { stringValue: 'bottom' };
  for (let i = 1; i < levels; i++) value = i % 2 ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [{ key: 'k', value }] } };
  return value;
}

describe('decodeTracesJson', () => {
  it('decodes the OTLP example payload (examples/trace.json) to its one span', () => {
    const decoded = decodeTracesJson(fs.readFileSync(new URL('./fixtures/example-trace.json', import.meta.url)));
    expect(countSpans(decoded)).toBe(1);
    expect(decoded.warnings).toEqual([]);
    const rs = decoded.resourceSpans[0];
    expect(rs.resource).toEqual(new Map([['service.name', 'example.service']]));
    expect(rs.scopeSpans[0].scope).toEqual({ name: 'example.library', version: '1.0.0' });
    expect(rs.scopeSpans[0].spans[0]).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      parentSpanId: 'eee19b7ec3c1b173',
      name: 'a server span',
      kind: 2,
      startTimeUnixNano: 1544712660000000000n,
      endTimeUnixNano: 1544712661000000000n,
      attributes: new Map([['example.span.attr', 'a value']]),
      events: [],
      statusCode: 0,
      statusMessage: '',
    });
  });

  it('accepts hex ids in any case and stores them lower-case; "" means absent', () => {
    const upper = onlySpan(request(span({ traceId: TRACE_ID.toUpperCase(), spanId: 'EeE19b7EC3c1B174', parentSpanId: '' })));
    expect(upper).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: '' });
    expect(onlySpan(request({ name: 'no ids' }))).toMatchObject({ traceId: '', spanId: '', parentSpanId: '' });
  });

  it('reads 64-bit fields from strings and numbers exactly, even number literals above 2^53', () => {
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{
      "traceId":"${TRACE_ID}","spanId":"${SPAN_ID}",
      "startTimeUnixNano": 1544712660123456789,
      "endTimeUnixNano":"1544712660123456790",
      "events":[{"name":"e","timeUnixNano" :1544712660123456791 }],
      "attributes":[
        {"key":"unsafe","value":{"intValue":9007199254740993}},
        {"key":"min","value":{"intValue" :	-9223372036854775808}},
        {"key":"max","value":{"intValue":"9223372036854775807"}},
        {"key":"string","value":{"intValue":"-42"}},
        {"key":"number","value":{"intValue":42}},
        {"key":"zeros","value":{"intValue":"00000000000000000007"}},
        {"key":"text","value":{"stringValue":"{\\"intValue\\": 12345678901234567890}"}}
      ]}]}]}]}`;
    const decoded = onlySpan(body);
    expect(decoded.startTimeUnixNano).toBe(1544712660123456789n);
    expect(decoded.endTimeUnixNano).toBe(1544712660123456790n);
    expect(decoded.events[0].timeUnixNano).toBe(1544712660123456791n);
    expect(decoded.attributes).toEqual(
      new Map<string, unknown>([
        ['unsafe', 9007199254740993n],
        ['min', -9223372036854775808n],
        ['max', 9223372036854775807n],
        ['string', -42],
        ['number', 42],
        ['zeros', 7],
        // The same key and digits inside a string value are left alone.
        ['text', '{"intValue": 12345678901234567890}'],
      ]),
    );
  });

  it('accepts snake_case keys as the Collector does', () => {
    const body = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
          scope_spans: [
            {
              scope: { name: 'lib', version: '2' },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: 'eee19b7ec3c1b173',
                  name: 'op',
                  start_time_unix_nano: '1',
                  end_time_unix_nano: 2,
                  events: [{ name: 'e', time_unix_nano: '3' }],
                  attributes: [
                    { key: 'i', value: { int_value: '4' } },
                    { key: 'b', value: { bool_value: false } },
                    { key: 'd', value: { double_value: 0.5 } },
                    { key: 'a', value: { array_value: { values: [{ string_value: 'x' }] } } },
                    { key: 'kv', value: { kvlist_value: { values: [{ key: 'y', value: { bytes_value: 'AQI=' } }] } } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const decoded = decode(body);
    expect(decoded.resourceSpans[0].resource).toEqual(new Map([['service.name', 'svc']]));
    expect(decoded.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: 'lib', version: '2' });
    expect(decoded.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      parentSpanId: 'eee19b7ec3c1b173',
      startTimeUnixNano: 1n,
      endTimeUnixNano: 2n,
      events: [{ name: 'e', timeUnixNano: 3n, attributes: new Map() }],
      attributes: new Map<string, unknown>([
        ['i', 4],
        ['b', false],
        ['d', 0.5],
        ['a', ['x']],
        ['kv', new Map([['y', new Uint8Array([1, 2])]])],
      ]),
    });
  });

  it('accepts enums as integers and as names; an unknown name is an error', () => {
    expect(onlySpan(request(span({ kind: 3, status: { code: 2, message: 'boom' } })))).toMatchObject({
      kind: 3,
      statusCode: 2,
      statusMessage: 'boom',
    });
    expect(onlySpan(request(span({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } })))).toMatchObject({
      kind: 3,
      statusCode: 2,
    });
    expect(onlySpan(request(span({ kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_OK' } })))).toMatchObject({
      kind: 5,
      statusCode: 1,
    });
    expect(() => decode(request(span({ kind: 'SPAN_KIND_SIDEWAYS' })))).toThrow(
      new DecodeError('resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum name "SPAN_KIND_SIDEWAYS"'),
    );
    expect(() => decode(request(span({ kind: 'toString' })))).toThrow(/kind: unknown enum name "toString"/);
  });

  it('ignores unknown keys at every level', () => {
    const body = {
      future: 1,
      resourceSpans: [
        {
          schemaUrl: 'x',
          later: [1],
          resource: { attributes: [{ key: 'r', value: { stringValue: 'v', hint: 1 }, extra: true }], entityRefs: [] },
          scopeSpans: [
            {
              scope: { name: 'lib', attributes: [], droppedAttributesCount: 0, more: {} },
              spans: [
                span({
                  flags: 257,
                  traceState: 'a=b',
                  links: [{ traceId: 'not checked' }],
                  droppedLinksCount: 0,
                  newField: { deep: [] },
                  events: [{ name: 'e', extra: 1 }],
                  status: { code: 0, why: 'x' },
                }),
              ],
            },
          ],
        },
      ],
    };
    const decoded = decode(body);
    expect(countSpans(decoded)).toBe(1);
    expect(decoded.resourceSpans[0].resource).toEqual(new Map([['r', 'v']]));
    expect(decoded.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ traceId: TRACE_ID, name: 'op', events: [{ name: 'e' }] });
  });

  it('keeps every AnyValue kind: empty, bytes, doubles incl. NaN and infinities, nested kvlists and arrays', () => {
    const attributes = attributesOf({
      empty: {},
      unset: null,
      nulls: { stringValue: null, intValue: null, boolValue: true },
      bytes: { bytesValue: 'AAH+/w==' },
      urlSafeBytes: { bytesValue: '-_8' },
      double: { doubleValue: 2.5 },
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: 'Infinity' },
      negInf: { doubleValue: '-Infinity' },
      deep: {
        kvlistValue: {
          values: [
            {
              key: 'level2',
              value: {
                kvlistValue: { values: [{ key: 'level3', value: { arrayValue: { values: [{ intValue: 1 }, {}, { kvlistValue: {} }] } } }] },
              },
            },
            { key: 'empty', value: { arrayValue: {} } },
          ],
        },
      },
    });
    expect(attributes).toEqual(
      new Map<string, unknown>([
        ['empty', null],
        ['unset', null],
        ['nulls', true],
        ['bytes', new Uint8Array([0, 1, 254, 255])],
        ['urlSafeBytes', new Uint8Array([251, 255])],
        ['double', 2.5],
        ['nan', NaN],
        ['inf', Infinity],
        ['negInf', -Infinity],
        [
          'deep',
          new Map<string, unknown>([
            ['level2', new Map([['level3', [1, null, new Map()]]])],
            ['empty', []],
          ]),
        ],
      ]),
    );
  });

  it('accepts 64 levels of AnyValue nesting and rejects 65', () => {
    let value = attributesOf({ deep: nested(64) }).get('deep');
    for (let level = 1; level < 64; level++) value = Array.isArray(value) ? value[0] : (value as Map<string, unknown>).get('k');
    expect(value).toBe('bottom');
    expect(() => attributesOf({ deep: nested(65) })).toThrow(new DecodeError('attribute value nesting deeper than 64 levels'));
  });

  it('treats string_value_strindex / key_strindex as absent, with one warning', () => {
    const decoded = decode(
      request(
        span({
          attributes: [
            { key: 'a', value: { stringValueStrindex: 2 } },
            { key: 'b', keyStrindex: 1, value: { stringValue: 'kept' } },
            { key: 'c', value: { string_value_strindex: 0 } },
          ],
        }),
      ),
    );
    expect(decoded.resourceSpans[0].scopeSpans[0].spans[0].attributes).toEqual(
      new Map([
        ['a', null],
        ['b', 'kept'],
        ['c', null],
      ]),
    );
    expect(decoded.warnings).toHaveLength(1);
    expect(decoded.warnings[0]).toMatch(/strindex/);
  });

  it.each([
    ['an empty body', ''],
    ['{}', '{}'],
    ['no resourceSpans', '{"resourceSpans":[]}'],
    ['a scope without spans', '{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}'],
  ])('decodes %s to zero spans', (_, body) => {
    expect(countSpans(decode(body))).toBe(0);
  });

  it('rejects a body that is not valid UTF-8', () => {
    const body = Buffer.concat([
      Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}]}]}'),
    ]);
    expect(() => decodeTracesJson(body)).toThrow(new DecodeError('request body is not valid UTF-8'));
  });

  it('rejects malformed JSON with the parser message', () => {
    expect(() => decode('{"resourceSpans":[')).toThrow(DecodeError);
    expect(() => decode('{"resourceSpans":[')).toThrow(/^invalid JSON: /);
    expect(() => decode('{"resourceSpans": [] } trailing')).toThrow(/^invalid JSON: /);
  });

  it.each(['[]', 'null', '"text"', '5'])('rejects a top-level %s', (body) => {
    expect(() => decode(body)).toThrow(new DecodeError('expected a JSON object (ExportTraceServiceRequest) at the top level'));
  });

  const SPAN = 'resourceSpans[0].scopeSpans[0].spans[0]';
  it.each<[string, object, string]>([
    ['resourceSpans not an array', { resourceSpans: 5 }, 'resourceSpans: expected an array'],
    ['spans not an array', { resourceSpans: [{ scopeSpans: [{ spans: 5 }] }] }, 'resourceSpans[0].scopeSpans[0].spans: expected an array'],
    ['a span that is not an object', request('x'), `${SPAN}: expected an object`],
    [
      'a numeric name on the third span',
      request(span(), span(), span({ name: 7 })),
      'resourceSpans[0].scopeSpans[0].spans[2].name: expected a string',
    ],
    ['a resource that is an array', { resourceSpans: [{ resource: [] }] }, 'resourceSpans[0].resource: expected an object'],
    [
      'a numeric attribute key',
      { resourceSpans: [{ resource: { attributes: [{ key: 5 }] } }] },
      'resourceSpans[0].resource.attributes[0].key: expected a string',
    ],
    [
      'a numeric scope name',
      { resourceSpans: [{ scopeSpans: [{ scope: { name: 1 } }] }] },
      'resourceSpans[0].scopeSpans[0].scope.name: expected a string',
    ],
    [
      'a base64 traceId',
      request(span({ traceId: 'W47/95gDgQPSabYzgT/GDA==' })),
      `${SPAN}.traceId: expected 32 hex digits, got 24 characters`,
    ],
    ['a non-hex spanId', request(span({ spanId: 'eee19b7ec3c1b17g' })), `${SPAN}.spanId: expected 16 hex digits, got a non-hex character`],
    ['a numeric parentSpanId', request(span({ parentSpanId: 123 })), `${SPAN}.parentSpanId: expected a hex string`],
    ['a fractional kind', request(span({ kind: 1.5 })), `${SPAN}.kind: expected an enum number or name`],
    [
      'a negative start time',
      request(span({ startTimeUnixNano: -1 })),
      `${SPAN}.startTimeUnixNano: expected an unsigned 64-bit integer (number or decimal string)`,
    ],
    [
      'an end time above 2^64',
      request(span({ endTimeUnixNano: '18446744073709551616' })),
      `${SPAN}.endTimeUnixNano: expected an unsigned 64-bit integer (number or decimal string)`,
    ],
    ['a status string', request(span({ status: 'ok' })), `${SPAN}.status: expected an object`],
    [
      'an unknown status name',
      request(span({ status: { code: 'STATUS_CODE_MAYBE' } })),
      `${SPAN}.status.code: unknown enum name "STATUS_CODE_MAYBE"`,
    ],
    [
      'an event time that is not a number',
      request(span({ events: [{}, { timeUnixNano: 'soon' }] })),
      `${SPAN}.events[1].timeUnixNano: expected an unsigned 64-bit integer (number or decimal string)`,
    ],
    [
      'an attribute value that is not an object',
      request(span({ attributes: [{ key: 'a', value: 'x' }] })),
      `${SPAN}.attributes[0].value: expected an object`,
    ],
    [
      'intValue "abc"',
      request(span({ attributes: [{ key: 'a', value: { intValue: 'abc' } }] })),
      `${SPAN}.attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)`,
    ],
    [
      'intValue 1.5',
      request(span({ attributes: [{ key: 'a', value: { intValue: 1.5 } }] })),
      `${SPAN}.attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)`,
    ],
    [
      'intValue above int64',
      request(span({ attributes: [{ key: 'a', value: { intValue: '9223372036854775808' } }] })),
      `${SPAN}.attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)`,
    ],
    [
      'boolValue "true"',
      request(span({ attributes: [{ key: 'a', value: { boolValue: 'true' } }] })),
      `${SPAN}.attributes[0].value.boolValue: expected a boolean`,
    ],
    [
      'doubleValue "1.5"',
      request(span({ attributes: [{ key: 'a', value: { doubleValue: '1.5' } }] })),
      `${SPAN}.attributes[0].value.doubleValue: expected a number, "NaN", "Infinity" or "-Infinity"`,
    ],
    [
      'bytesValue that is not base64',
      request(span({ attributes: [{ key: 'a', value: { bytesValue: '%%%' } }] })),
      `${SPAN}.attributes[0].value.bytesValue: expected a base64 string`,
    ],
    [
      'a wrong type deep inside a kvlist',
      request(
        span({
          attributes: [
            {
              key: 'a',
              value: { kvlistValue: { values: [{ key: 'x' }, { key: 'y', value: { arrayValue: { values: [{ stringValue: 3 }] } } }] } },
            },
          ],
        }),
      ),
      `${SPAN}.attributes[0].value.kvlistValue.values[1].value.arrayValue.values[0].stringValue: expected a string`,
    ],
    [
      'arrayValue.values not an array',
      request(span({ attributes: [{ key: 'a', value: { arrayValue: { values: {} } } }] })),
      `${SPAN}.attributes[0].value.arrayValue.values: expected an array`,
    ],
    [
      'an event attribute key that is not a string',
      request(span({ events: [{ attributes: [{ key: null }, { key: [] }] }] })),
      `${SPAN}.events[0].attributes[1].key: expected a string`,
    ],
  ])('rejects %s, naming the field', (_, body, message) => {
    expect(() => decode(body)).toThrow(new DecodeError(message));
  });
});
