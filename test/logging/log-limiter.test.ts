import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogLimiter, SUMMARY_INTERVAL_MS } from '../../src/log-limiter.js';

describe('the log limiter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const setup = () => {
    const lines: string[] = [];
    const limiter = new LogLimiter();
    const note = (kind: string) =>
      limiter.note(
        kind,
        (line) => lines.push(line),
        () => `first: ${kind}`,
        (n, k) => `${n} more: ${k}`,
      );
    return { lines, limiter, note };
  };

  it('writes the first of a kind at once, then one summary per interval with the count', () => {
    const { lines, note } = setup();
    for (let i = 0; i < 12; i++) note('disk full');
    expect(lines).toEqual(['first: disk full']);
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS - 1);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toEqual(['first: disk full', '11 more: disk full']);
    note('disk full');
    note('disk full');
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS);
    expect(lines.at(-1)).toBe('2 more: disk full');
  });

  it('keeps kinds apart, writes no summary when nothing repeated, and starts over after a quiet interval', () => {
    const { lines, note } = setup();
    note('a');
    note('b');
    note('b');
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS);
    expect(lines).toEqual(['first: a', 'first: b', '1 more: b']);
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS);
    note('a');
    note('b');
    expect(lines.slice(3)).toEqual(['first: a', 'first: b']);
  });

  it('folds kinds past the hundredth into one, so distinct messages cannot grow it without bound', () => {
    const { lines, note } = setup();
    for (let i = 0; i < 150; i++) note(`reason ${i}`);
    expect(lines).toHaveLength(100);
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS);
    expect(lines.at(-1)).toBe('50 more: other reasons');
  });

  it('writes the summaries still owed on flush', () => {
    const { lines, note, limiter } = setup();
    note('x');
    note('x');
    note('x');
    limiter.flush();
    expect(lines).toEqual(['first: x', '2 more: x']);
    vi.advanceTimersByTime(2 * SUMMARY_INTERVAL_MS);
    expect(lines).toHaveLength(2);
  });
});
