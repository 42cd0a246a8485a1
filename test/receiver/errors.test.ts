import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, octError, type ErrorCode } from '../../src/receiver/errors.js';

const README = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Codes only the native ingest routes raise. */
const NATIVE_ONLY: ErrorCode[] = ['OCT_ERR_INVALID_ITEMS'];
/** Codes only the read API raises, and the shared ones it can answer with. */
const READ_ONLY: ErrorCode[] = ['OCT_ERR_INVALID_PARAMETER', 'OCT_ERR_UNKNOWN_TRACE', 'OCT_ERR_READ_UNAVAILABLE'];
const READ: ErrorCode[] = [
  ...READ_ONLY,
  'OCT_ERR_UNAUTHENTICATED',
  'OCT_ERR_WRONG_HOST',
  'OCT_ERR_NOT_FOUND',
  'OCT_ERR_METHOD_NOT_ALLOWED',
  'OCT_ERR_INTERNAL',
];

/** The statuses in the first column of the table that follows `heading` in README.md. */
function tableStatuses(heading: string): Set<number> {
  const start = README.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = README.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('| status'));
  const rows = lines.slice(first + 2);
  const table = rows.slice(
    0,
    rows.findIndex((line) => !line.startsWith('|')),
  );
  return new Set(table.flatMap((row) => [...row.split('|')[1].matchAll(/\b\d{3}\b/g)].map((m) => Number(m[0]))));
}

const errorStatuses = (statuses: Set<number>) => [...statuses].filter((s) => s >= 400).sort();
const registryStatuses = (codes: ErrorCode[]) => [...new Set(codes.map((code) => ERRORS[code].status))].sort();
const ALL = Object.keys(ERRORS) as ErrorCode[];

describe('the error registry', () => {
  it('matches the OTLP answers table of the README, status for status', () => {
    const otlp = tableStatuses('OTLP answers, following');
    expect(errorStatuses(otlp)).toEqual(registryStatuses(ALL.filter((code) => !NATIVE_ONLY.includes(code) && !READ_ONLY.includes(code))));
    expect([...otlp].filter((s) => s < 400)).toEqual([200]);
  });

  it('matches the native Responses table of the README, status for status', () => {
    const native = tableStatuses('### Responses');
    expect(errorStatuses(native)).toEqual(registryStatuses(ALL.filter((code) => !READ_ONLY.includes(code))));
    expect([...native].filter((s) => s < 400)).toEqual([202]);
  });

  it('matches the read answers table of the README, status for status', () => {
    const read = tableStatuses('### Read answers');
    expect(errorStatuses(read)).toEqual(registryStatuses(READ));
    expect([...read].filter((s) => s < 400)).toEqual([200]);
  });

  it('marks exactly the answers OTLP clients retry (429, 502, 503, 504) as retryable', () => {
    for (const code of ALL) expect(ERRORS[code].retryable, code).toBe([429, 502, 503, 504].includes(ERRORS[code].status));
  });

  it.each([
    [400, 3],
    [401, 16],
    [403, 7],
    [404, 5],
    [405, 12],
    [413, 8],
    [415, 3],
    [500, 13],
    [503, 14],
  ])('gives every %i the google.rpc.Code %i', (status, grpc) => {
    const codes = ALL.filter((code) => ERRORS[code].status === status);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(ERRORS[code].grpcCode, code).toBe(grpc);
  });

  it('builds an error from its template', () => {
    const error = octError('OCT_ERR_BODY_TOO_LARGE', 1024);
    expect(error).toMatchObject({ code: 'OCT_ERR_BODY_TOO_LARGE', problems: [] });
    expect(error.message).toBe('request body exceeds the limit of 1024 bytes (after decompression); OCT_MAX_BODY_BYTES sets it');
    expect(error.entry).toMatchObject({ status: 413, grpcCode: 8, retryable: false });
    expect(ERRORS.OCT_ERR_INVALID_ITEMS.message(1, 1)).toBe('invalid request: 1 problem');
    expect(ERRORS.OCT_ERR_INVALID_ITEMS.message(150, 100)).toBe('invalid request: 150 problems (first 100 listed)');
  });
});
