/**
 * How the OTLP/JSON decoders turn the body into values: UTF-8 checks, the byte order mark, and
 * 64-bit integers written as JSON numbers, which must come out exact whichever way the body is
 * parsed (see parseKeepingLongIntegers in long-integers.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeLogsJson } from '../../../src/receiver/otlp/decode-logs-json.js';
import { decodeTracesJson } from '../../../src/receiver/otlp/decode-traces-json.js';
import { type Span } from '../../../src/model/otlp.js';
import { DecodeError } from '../../../src/receiver/otlp/decode-errors.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

/** A request whose spans are given as raw JSON text, so number literals stay as written. */
const request = (...spans: string[]) => `{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`;
const span = (fields: string) => `{"traceId":"${TRACE_ID}","spanId":"00f067aa0ba902b7",${fields}}`;
const spansOf = (body: string | Uint8Array): Span[] =>
  decodeTracesJson(typeof body === 'string' ? Buffer.from(body) : body).resourceSpans[0].scopeSpans[0].spans;
type TextRequest = { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
const outcome = (decode: () => unknown) => {
  try {
    return decode();
  } catch (err) {
    return err instanceof DecodeError ? `DecodeError: ${err.message}` : err;
  }
};

describe('OTLP/JSON body text', () => {
  it('keeps every digit of 64-bit number literals, wherever they are and whatever came before', () => {
    const [first, second] = spansOf(
      request(
        span('"startTimeUnixNano":"1544712660123456789","attributes":[{"key":"small","value":{"intValue":27}}]'),
        span(
          '"startTimeUnixNano":"1","attributes":[{"key":"big","value":{"intValue": 9007199254740993 }},{"key":"neg","value":{"intValue":-9223372036854775808}}]',
        ),
      ),
    );
    expect(first.startTimeUnixNano).toBe(1544712660123456789n);
    expect(first.attributes.get('small')).toBe(27);
    expect(second.attributes).toEqual(
      new Map<string, unknown>([
        ['big', 9007199254740993n],
        ['neg', -9223372036854775808n],
      ]),
    );

    // Timestamps as numbers, from the first span on or only in a later one.
    expect(spansOf(request(span('"startTimeUnixNano":1544712660123456789,"end_time_unix_nano":1544712661987654321')))[0]).toMatchObject({
      startTimeUnixNano: 1544712660123456789n,
      endTimeUnixNano: 1544712661987654321n,
    });
    const mixed = spansOf(request(span('"startTimeUnixNano":"5"'), span('"startTimeUnixNano":1544712660123456789')));
    expect(mixed.map((s) => s.startTimeUnixNano)).toEqual([5n, 1544712660123456789n]);

    // Safe 16-digit literals read the same as numbers and as quoted text.
    expect(spansOf(request(span('"startTimeUnixNano":1000000000000000')))[0].startTimeUnixNano).toBe(1000000000000000n);
  });

  it('reads what only quoting makes valid, and rejects what quoting cannot save, as before', () => {
    // A 16-digit literal with leading zeros is quoted (so accepted); a short one is invalid JSON.
    expect(spansOf(request(span('"attributes":[{"key":"k","value":{"intValue":0000000000000027}}]')))[0].attributes.get('k')).toBe(27);
    expect(outcome(() => spansOf(request(span('"attributes":[{"key":"k","value":{"intValue":027}}]'))))).toMatch(
      /^DecodeError: invalid JSON: /,
    );
    // Not integers, or out of range: the same field errors as before.
    expect(outcome(() => spansOf(request(span('"attributes":[{"key":"k","value":{"intValue":1e20}}]'))))).toBe(
      'DecodeError: resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)',
    );
    expect(outcome(() => spansOf(request(span('"startTimeUnixNano":-1544712660123456789'))))).toBe(
      'DecodeError: resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit integer (number or decimal string)',
    );
    expect(
      outcome(() => spansOf(request(span('"startTimeUnixNano":"1","attributes":[{"key":"k","value":{"intValue":99999999999999999999}}]')))),
    ).toBe(
      'DecodeError: resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected a 64-bit integer (number or decimal string)',
    );
  });

  it('does the same for logs', () => {
    const body =
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","observedTimeUnixNano":1760000000123456789,"body":{"intValue":9007199254740993}}]}]}]}';
    const record = decodeLogsJson(Buffer.from(body)).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record).toMatchObject({ timeUnixNano: 1n, observedTimeUnixNano: 1760000000123456789n, body: 9007199254740993n });
  });

  it('accepts exactly the bodies a fatal UTF-8 TextDecoder accepts, and drops a leading byte order mark', () => {
    const reference = new TextDecoder('utf-8', { fatal: true });
    const pieces: number[][] = [
      [0xc3, 0xa9], // é
      [0xf0, 0x9f, 0xa6, 0x9c], // 🦜
      [0xc3, 0x28], // bad continuation
      [0xc0, 0xaf], // overlong
      [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // surrogate
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      [0xf0, 0x9f, 0xa6], // cut short
      [0xff],
      [0xef, 0xbb, 0xbf], // a BOM inside a string is kept
    ];
    const [before, after] = request(span('"name":"NAME"')).split('NAME');
    for (const piece of pieces) {
      const body = Buffer.concat([Buffer.from(before), Buffer.from(piece), Buffer.from(after)]);
      let expected: unknown;
      try {
        expected = (JSON.parse(reference.decode(body)) as TextRequest).resourceSpans[0].scopeSpans[0].spans[0].name;
      } catch {
        expected = 'DecodeError: request body is not valid UTF-8';
      }
      expect(
        outcome(() => spansOf(body)[0].name),
        `bytes ${piece.map((b) => b.toString(16)).join(' ')}`,
      ).toEqual(expected);
    }
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(request(span('"name":"é"')))]);
    expect(spansOf(withBom)[0].name).toBe('é');
    expect(spansOf(withBom.subarray(3))[0].name).toBe('é');
  });
});
