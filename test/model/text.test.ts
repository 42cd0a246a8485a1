import { describe, expect, it } from 'vitest';
import { boundedJson, boundedText, truncateUtf8 } from '../../src/model/text.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** True when `s` survives a UTF-8 round trip unchanged (no lone surrogate, nothing replaced). */
const validUtf8 = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\uFFFD');

describe('truncateUtf8', () => {
  it('keeps text at exactly the limit and cuts one byte over', () => {
    expect(truncateUtf8('abcde', 5)).toBe('abcde');
    expect(truncateUtf8('abcdef', 5)).toBe('abcde');
  });

  it.each([
    ['2-byte', 'é', 2],
    ['3-byte CJK', '中', 3],
    ['4-byte emoji', '😀', 4],
  ])('never splits a %s character', (_name, ch, width) => {
    const text = 'a' + ch.repeat(5);
    for (let limit = 1; limit <= bytes(text); limit++) {
      const cut = truncateUtf8(text, limit);
      expect(bytes(cut)).toBeLessThanOrEqual(limit);
      expect(validUtf8(cut)).toBe(true);
      // The cut keeps every whole character that fits.
      expect(bytes(cut)).toBeGreaterThan(limit - width);
      expect(text.startsWith(cut)).toBe(true);
    }
  });

  it('handles mixed emoji and CJK text', () => {
    const text = '日本語😀テキスト👍🏽end'.repeat(50);
    for (const limit of [1, 7, 100, 333, 1000]) {
      const cut = truncateUtf8(text, limit);
      expect(bytes(cut)).toBeLessThanOrEqual(limit);
      expect(validUtf8(cut)).toBe(true);
    }
  });

  it('returns empty text for empty input, a zero limit, or a limit below one character', () => {
    expect(truncateUtf8('', 10)).toBe('');
    expect(truncateUtf8('abc', 0)).toBe('');
    expect(truncateUtf8('abc', -5)).toBe('');
    expect(truncateUtf8('😀', 3)).toBe('');
  });
});

describe('boundedText', () => {
  it('keeps the original UTF-8 size while cutting the text', () => {
    expect(boundedText('😀😀😀', 5)).toEqual({ text: '😀', bytes: 12 });
    expect(boundedText(null, 5)).toEqual({ text: null, bytes: null });
  });

  it('replaces lone surrogates and NUL so stored text is valid UTF-8', () => {
    const { text } = boundedText('a\ud800b\u0000c', 100);
    expect(text).toBe('a\uFFFDb\uFFFDc');
    expect(Buffer.from(text!, 'utf8').toString('utf8')).toBe(text);
  });
});

describe('boundedJson', () => {
  it('returns null for an empty object and exact JSON when it fits', () => {
    expect(boundedJson({}, 100)).toBeNull();
    expect(JSON.parse(boundedJson({ a: 1, b: 'x' }, 100)!)).toEqual({ a: 1, b: 'x' });
  });

  it('writes BigInt exactly, also when it must cut', () => {
    expect(boundedJson({ big: 1544712660123456789n, s: 'x' }, 1000)).toBe('{"big":1544712660123456789,"s":"x"}');
    const cut = boundedJson({ big: 1544712660123456789n, s: 'x'.repeat(500) }, 200)!;
    expect(cut).toMatch(/^\{"big":1544712660123456789,"s":"x+…","oct.truncated":true\}$/);
  });

  it('always stays within the limit and valid JSON', () => {
    const value: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) value[`key.${i}`] = '中文'.repeat(i * 10);
    for (const limit of [64, 200, 1000, 5000]) {
      const json = boundedJson(value, limit)!;
      expect(bytes(json)).toBeLessThanOrEqual(limit);
      const parsed = JSON.parse(json) as Record<string, unknown>;
      expect(parsed['oct.truncated']).toBe(true);
    }
  });
});
