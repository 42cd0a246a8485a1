import { describe, expect, it } from 'vitest';
import { parseJsonText, plainObject, toFloat, toInt, toStr } from '../../src/mapping/attributes.js';
import { attributes } from './fixtures.js';

describe('attribute coercion', () => {
  it('toInt accepts non-negative integers of any wire type', () => {
    expect([27, 27n, '27', ' 27 ', '27.0', 27.0, 0].map(toInt)).toEqual([27, 27, 27, 27, 27, 27, 0]);
    expect([-1, -1n, '-1', 1.5, '1e3', 'abc', '', NaN, Infinity, '9'.repeat(400), null, true, [1]].map(toInt)).toEqual(
      Array(13).fill(null),
    );
  });

  it('toFloat accepts finite numbers, bigints and numeric strings', () => {
    expect([0.25, '0.25', '1e-3', 3n, -2].map(toFloat)).toEqual([0.25, 0.25, 0.001, 3, -2]);
    expect([NaN, 'NaN', 'Infinity', '1e999', '', 'x', null].map(toFloat)).toEqual(Array(7).fill(null));
  });

  it('toStr writes scalars as text and refuses empty or structured values', () => {
    expect(['a', 1, 2n, false].map(toStr)).toEqual(['a', '1', '2', 'false']);
    expect(['', null, undefined, [], new Map()].map(toStr)).toEqual(Array(5).fill(null));
  });

  it('parseJsonText parses JSON and returns anything else unchanged', () => {
    expect(parseJsonText(' [1, {"a": 2}]')).toEqual([1, { a: 2 }]);
    expect(parseJsonText('"quoted"')).toBe('quoted');
    expect(parseJsonText('[1, 2')).toBe('[1, 2');
    expect(parseJsonText('plain text')).toBe('plain text');
  });

  it('plainObject keeps a __proto__ key as data and omits the given keys', () => {
    const attrs = new Map([['__proto__', 'x'], ...attributes({ keep: { a: 1 }, drop: 1 })]);
    const object = plainObject(attrs, new Set(['drop']));
    expect(JSON.stringify(object)).toBe('{"__proto__":"x","keep":{"a":1}}');
  });
});
