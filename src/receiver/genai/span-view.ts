/**
 * One span with what the mapping needs to know about its attribute keys, gathered in a single
 * pass, plus per-span caches so large JSON content is parsed at most once.
 */
import type { Attributes, Span, SpanEvent } from '../otlp/model.js';
import { structured } from './attributes.js';
import { unflattenIndexed } from './flattened.js';

/** Flattened list families: the key continues with `<index>.`. */
const FLAT_PREFIXES = [
  'gen_ai.prompt.',
  'gen_ai.completion.',
  'llm.input_messages.',
  'llm.output_messages.',
  'llm.prompts.',
  'llm.choices.',
  'retrieval.documents.',
  'embedding.embeddings.',
] as const;
export type FlatPrefix = (typeof FLAT_PREFIXES)[number];

/** OpenInference keys that mark a span as OpenInference without `openinference.span.kind`. */
const OPENINFERENCE_KEYS = new Set(['llm.model_name', 'llm.provider', 'llm.system']);
const OPENINFERENCE_PREFIXES = ['llm.token_count.', 'llm.input_messages.', 'llm.output_messages.'];

const isDigit = (code: number) => code >= 48 && code <= 57;

/** `key` has a decimal index at `start`, ending the key or followed by a dot. */
function isIndexAt(key: string, start: number): boolean {
  let end = start;
  while (end < key.length && isDigit(key.charCodeAt(end))) end++;
  return end > start && (end === key.length || key[end] === '.');
}

/** What one pass over the attribute keys tells about a span. */
interface KeyScan {
  /** Some key starts with `gen_ai.`. */
  hasGenAiKey: boolean;
  /** Some key starts with `llm.usage.` (OpenLLMetry). */
  hasLlmUsageKey: boolean;
  /** Some OpenInference `llm.*` key is present. */
  hasOpenInferenceKey: boolean;
  flatKeys: Map<FlatPrefix, string[]>;
}

function scanKeys(attrs: Attributes): KeyScan {
  const scan: KeyScan = { hasGenAiKey: false, hasLlmUsageKey: false, hasOpenInferenceKey: false, flatKeys: new Map() };
  for (const key of attrs.keys()) {
    if (key.startsWith('gen_ai.')) {
      scan.hasGenAiKey = true;
    } else if (key.startsWith('llm.')) {
      if (key.startsWith('llm.usage.')) scan.hasLlmUsageKey = true;
      if (OPENINFERENCE_KEYS.has(key) || OPENINFERENCE_PREFIXES.some((p) => key.startsWith(p))) {
        scan.hasOpenInferenceKey = true;
      }
    } else if (!key.startsWith('retrieval.') && !key.startsWith('embedding.')) {
      continue;
    }
    noteFlatKey(scan.flatKeys, key);
  }
  return scan;
}

function noteFlatKey(flatKeys: Map<FlatPrefix, string[]>, key: string): void {
  for (const prefix of FLAT_PREFIXES) {
    if (key.startsWith(prefix) && isIndexAt(key, prefix.length)) {
      const keys = flatKeys.get(prefix);
      if (keys) keys.push(key);
      else flatKeys.set(prefix, [key]);
      return;
    }
  }
}

export class SpanView {
  readonly attrs: Attributes;
  readonly hasGenAiKey: boolean;
  readonly hasLlmUsageKey: boolean;
  readonly hasOpenInferenceKey: boolean;
  private readonly flatKeys: Map<FlatPrefix, string[]>;
  private readonly cache = new Map<string, unknown>();

  constructor(
    readonly span: Span,
    readonly scopeName: string,
    readonly resource: Attributes,
  ) {
    this.attrs = span.attributes;
    const scan = scanKeys(this.attrs);
    this.hasGenAiKey = scan.hasGenAiKey;
    this.hasLlmUsageKey = scan.hasLlmUsageKey;
    this.hasOpenInferenceKey = scan.hasOpenInferenceKey;
    this.flatKeys = scan.flatKeys;
  }

  /** Keys of a flattened family (`gen_ai.prompt.<N>…`; `gen_ai.prompt.name` is not one). */
  keysOf(prefix: FlatPrefix): readonly string[] {
    return this.flatKeys.get(prefix) ?? [];
  }

  /** A flattened family rebuilt into its ordered items (cached). */
  items(prefix: FlatPrefix): unknown[] {
    return this.cached(`flat:${prefix}`, () => unflattenIndexed(this.attrs, this.keysOf(prefix), prefix)) as unknown[];
  }

  /** An attribute as plain data, JSON strings parsed (cached). */
  json(key: string): unknown {
    return this.cached(`json:${key}`, () => structured(this.attrs.get(key)));
  }

  eventsNamed(name: string): SpanEvent[] {
    return this.span.events.filter((event) => event.name === name);
  }

  private cached(key: string, compute: () => unknown): unknown {
    if (!this.cache.has(key)) this.cache.set(key, compute());
    return this.cache.get(key);
  }
}
