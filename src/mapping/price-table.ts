import fs from 'node:fs';
import type { ErrorObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** One model family's list prices, in USD per 1,000,000 tokens. */
export interface ModelPrice {
  /** The family's base name, e.g. `gpt-4o`; dated and versioned names of it match too. */
  model: string;
  /** The `provider` column values that sell it at this price. */
  providers: string[];
  input: number;
  output: number;
  /** Defaults to `input`. */
  cache_read?: number;
  /** Defaults to `input`. */
  cache_write?: number;
  /** When the price was known to be in effect (YYYY-MM-DD). */
  as_of?: string;
  /** Where it was published. */
  source?: string;
}

/** The user's table (OCT_PRICING_FILE) is consulted before the one shipped with oct. */
export interface PriceTable {
  readonly user: readonly ModelPrice[];
  readonly shipped: readonly ModelPrice[];
}

const price = { type: 'number', minimum: 0 };
const schema = {
  type: 'object',
  required: ['models'],
  properties: {
    models: {
      type: 'array',
      items: {
        type: 'object',
        required: ['model', 'providers', 'input', 'output'],
        additionalProperties: false,
        properties: {
          model: { type: 'string', minLength: 1 },
          providers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          input: price,
          output: price,
          cache_read: price,
          cache_write: price,
          as_of: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          source: { type: 'string' },
        },
      },
    },
  },
};
const validate = new Ajv2020({ allErrors: false }).compile<{ models: ModelPrice[] }>(schema);

const SHIPPED_FILE = new URL('../../pricing/model-prices.json', import.meta.url);

/** Loads the shipped table and, when given, the user's; a bad file throws one line saying where and what. */
export function loadPriceTable(userFile: string | null): PriceTable {
  return { user: userFile === null ? [] : readTable(userFile), shipped: readTable(SHIPPED_FILE) };
}

function readTable(file: string | URL): ModelPrice[] {
  const name = file instanceof URL ? file.pathname : file;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`price table ${name}: ${(err as Error).message}`, { cause: err });
  }
  if (!validate(parsed)) throw new Error(`price table ${name}: ${describe(validate.errors?.[0])}`);
  return parsed.models.map((m) => ({ ...m, model: m.model.toLowerCase(), providers: m.providers.map((p) => p.toLowerCase()) }));
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid';
  const where = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'the file';
  return `${where} ${error.message ?? 'is invalid'}`;
}
