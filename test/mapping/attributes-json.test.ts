import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boundedJson } from '../../src/model/text.js';
import { attributesJson, plainObject } from '../../src/mapping/attributes.js';
import type { AnyValue, Attributes } from '../../src/model/otlp.js';

/** What `attributes` columns were built with before `attributesJson`. */
const reference = (attrs: Attributes, maxBytes: number, omit?: ReadonlySet<string>) => boundedJson(plainObject(attrs, omit), maxBytes);

const VALUES: AnyValue[] = [
  'plain',
  '',
  'quote " backslash \\ newline \n tab \t',
  'lone \uD800 surrogate',
  'nul \u0000 inside',
  'ünïcödé 🦜',
  0,
  -0,
  27,
  0.25,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  null,
  [],
  ['stop', 'length'],
  [1, NaN, true, null, 'x'],
  12345678901234567890n,
  [1n],
  new Uint8Array([0, 1, 254]),
  [new Uint8Array([1])],
  new Map<string, AnyValue>([['nested', 'value']]),
  [['nested', 'array']],
  'x'.repeat(3000),
];
const KEYS = ['gen_ai.request.model', '__proto__', '0', '10', '1e3', 'k', ''];

describe('attributesJson', () => {
  it('is exactly the JSON boundedJson makes of the plain object, for every kind of value and key', () => {
    for (const value of VALUES) {
      for (const key of KEYS) {
        const attrs: Attributes = new Map<string, AnyValue>([
          ['first', 'a'],
          [key, value],
          ['last', 1],
        ]);
        for (const maxBytes of [16384, 64, 10]) {
          expect(attributesJson(attrs, maxBytes), `${key}: ${inspect(value)} in ${maxBytes} bytes`).toBe(reference(attrs, maxBytes));
        }
      }
    }
  });

  it('leaves out the omitted keys, and gives null when nothing is left', () => {
    const attrs: Attributes = new Map<string, AnyValue>([
      ['gen_ai.input.messages', '[…]'],
      ['gen_ai.request.model', 'gpt-4o'],
    ]);
    expect(attributesJson(attrs, 16384, new Set(['gen_ai.input.messages']))).toBe('{"gen_ai.request.model":"gpt-4o"}');
    expect(attributesJson(attrs, 16384, new Set(attrs.keys()))).toBeNull();
    expect(attributesJson(new Map(), 16384)).toBeNull();
  });

  it('cuts JSON over the limit the way boundedJson does', () => {
    const attrs: Attributes = new Map<string, AnyValue>(Array.from({ length: 40 }, (_, i) => [`key.${i}`, 'value '.repeat(i)]));
    for (const maxBytes of [100, 1000, 3000]) {
      const json = attributesJson(attrs, maxBytes);
      expect(json).toBe(reference(attrs, maxBytes));
      expect(Buffer.byteLength(json!, 'utf8')).toBeLessThanOrEqual(maxBytes);
    }
  });
});
