import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { NativeError, NativeTrace } from '../../model/native.js';
import { EXPECTED, errorItemSchema, traceItemSchema } from './schema.js';
import { parseTime } from '../../mapping/map-native.js';

/** A request lists at most this many problems; the count in its message covers them all. */
export const MAX_PROBLEMS = 100;

export type Validation<T> = { ok: true; items: T[] } | { ok: false; total: number; problems: string[] };

// `date-time` is RFC 3339 with a time zone, checked down to the day of the month.
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, formats: { 'date-time': fullFormats['date-time'] } });

interface ItemChecker<T> {
  schema: ValidateFunction<T>;
  /** Semantic checks of an item that passed the schema: [field, text] pairs. */
  semantic: (item: T) => [string, string][];
  /** Field names, for "did you mean" on an unknown one. */
  fields: string[];
}

const traceChecker: ItemChecker<NativeTrace> = {
  schema: ajv.compile<NativeTrace>(traceItemSchema),
  semantic: traceTimeProblems,
  fields: Object.keys(traceItemSchema.properties as object),
};

const errorChecker: ItemChecker<NativeError> = {
  schema: ajv.compile<NativeError>(errorItemSchema),
  semantic: (item) => timeProblems(item, ['occurred_at']),
  fields: Object.keys(errorItemSchema.properties as object),
};

/** Checks one trace object or an array of them; problems are prefixed `[i].` for arrays. */
export function validateTraces(body: object): Validation<NativeTrace> {
  return validateItems(body, traceChecker);
}

export function validateErrors(body: object): Validation<NativeError> {
  return validateItems(body, errorChecker);
}

function validateItems<T>(body: object, checker: ItemChecker<T>): Validation<T> {
  const items: unknown[] = Array.isArray(body) ? body : [body];
  const problems: string[] = [];
  let total = 0;
  const report = (list: string[]) => {
    total += list.length;
    problems.push(...list.slice(0, MAX_PROBLEMS - problems.length));
  };
  items.forEach((item, i) => {
    const prefix = Array.isArray(body) ? `[${i}]` : '';
    if (!checker.schema(item)) report(describe(checker.schema.errors ?? [], prefix, checker.fields));
    else report(checker.semantic(item).map(([field, text]) => `${join(prefix, field)}: ${text}`));
  });
  return total === 0 ? { ok: true, items: items as T[] } : { ok: false, total, problems };
}

/** 2000-01-01T00:00:00Z in epoch ms: an integer time before it is almost certainly epoch seconds. */
export const EARLIEST_EPOCH_MS = 946_684_800_000;

/**
 * What JSON Schema cannot express: times Date cannot represent (leap seconds), and integer times
 * that are epoch seconds (a 1970 date no dashboard window ever shows).
 */
function timeProblems<F extends 'start_time' | 'end_time' | 'occurred_at'>(
  item: Partial<Record<F, string | number | null>>,
  fields: F[],
): [string, string][] {
  const problems: [string, string][] = [];
  for (const field of fields) {
    const value = item[field];
    if (typeof value === 'number' && value < EARLIEST_EPOCH_MS)
      problems.push([
        field,
        `${value} is before 2000-01-01 in epoch milliseconds; it looks like epoch seconds: send milliseconds (${value * 1000})`,
      ]);
    else if (Number.isNaN(parseTime(value))) problems.push([field, `expected ${EXPECTED[field]}`]);
  }
  return problems;
}

function traceTimeProblems(item: NativeTrace): [string, string][] {
  const problems = timeProblems(item, ['start_time', 'end_time']);
  const start = parseTime(item.start_time);
  const end = parseTime(item.end_time);
  if (problems.length === 0 && start != null && end != null && end < start) problems.push(['end_time', 'must not be before start_time']);
  return problems;
}

/** One readable line per failing value (ajv may report several keywords for one value). */
function describe(errors: ErrorObject[], prefix: string, fields: readonly string[]): string[] {
  const lines = errors.map((e) => {
    const path = join(prefix, pointerToPath(e.instancePath));
    switch (e.keyword) {
      case 'required':
        return `${join(path, String(e.params.missingProperty))}: is required`;
      case 'additionalProperties':
        return withPath(path, unknownField(String(e.params.additionalProperty), fields));
      default:
        // Only the item itself has no field name in its schema path.
        return withPath(path, `expected ${EXPECTED[schemaField(e.schemaPath)] ?? 'an object'}`);
    }
  });
  return [...new Set(lines)];
}

/** `/input/0/role` → `input[0].role`. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment)), '');
}

function join(path: string, field: string): string {
  if (field === '') return path;
  return path === '' ? field : `${path}.${field}`;
}

function withPath(path: string, text: string): string {
  return path === '' ? text : `${path}: ${text}`;
}

/**
 * The field whose schema holds the failing keyword: `#/properties/input_tokens/minimum` →
 * `input_tokens`; an array element's: `#/properties/finish_reasons/items/type` → `finish_reasons[]`.
 */
function schemaField(schemaPath: string): string {
  const last = [...schemaPath.matchAll(/(?:properties|\$defs)\/([^/]+)(\/items)?/g)].at(-1);
  return last ? last[1] + (last[2] ? '[]' : '') : '';
}

function unknownField(name: string, fields: readonly string[]): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  const near = fields.find((known) => editDistance(name, known) <= 2);
  return `unknown field '${shown}'${near ? ` (did you mean '${near}'?)` : ''}`;
}

/** Levenshtein distance, for "did you mean" on a misspelt field name. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
