/**
 * One span with what the mapping needs to know about its attribute keys, gathered in a single
 * pass, plus per-span caches so large JSON content is parsed at most once.
 */
import type { Attributes, Span, SpanEvent } from '../model/otlp.js';
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
const LANGFUSE_PREFIX = 'langfuse.observation.';

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
  /** Some key starts with `langfuse.observation.` (the Langfuse SDKs). */
  hasLangfuseKey: boolean;
  /** Created for the first flattened key. */
  flatKeys: Map<FlatPrefix, string[]> | undefined;
}

function scanKeys(attrs: Attributes): KeyScan {
  const scan: KeyScan = {
    hasGenAiKey: false,
    hasLlmUsageKey: false,
    hasOpenInferenceKey: false,
    hasLangfuseKey: false,
    flatKeys: undefined,
  };
  for (const key of attrs.keys()) {
    const about = keyFacts(key);
    if (about === NO_FACTS) continue;
    if (about.genAi) scan.hasGenAiKey = true;
    if (about.llmUsage) scan.hasLlmUsageKey = true;
    if (about.openInference) scan.hasOpenInferenceKey = true;
    if (about.langfuse) scan.hasLangfuseKey = true;
    if (about.flatPrefix === null) continue;
    scan.flatKeys ??= new Map();
    const keys = scan.flatKeys.get(about.flatPrefix);
    if (keys) keys.push(key);
    else scan.flatKeys.set(about.flatPrefix, [key]);
  }
  return scan;
}

/** What one key tells about its span. */
interface KeyFacts {
  genAi: boolean;
  llmUsage: boolean;
  openInference: boolean;
  langfuse: boolean;
  flatPrefix: FlatPrefix | null;
}

const NO_FACTS: KeyFacts = { genAi: false, llmUsage: false, openInference: false, langfuse: false, flatPrefix: null };

/** The facts of recent keys: they only depend on the key, and keys repeat in every span. */
const factsByKey = new Map<string, KeyFacts>();
const MAX_CACHED_KEY_LENGTH = 128;

function keyFacts(key: string): KeyFacts {
  let facts = factsByKey.get(key);
  if (facts === undefined) {
    facts = factsOf(key);
    if (key.length <= MAX_CACHED_KEY_LENGTH) {
      if (factsByKey.size >= 1024) factsByKey.clear();
      factsByKey.set(key, facts);
    }
  }
  return facts;
}

function factsOf(key: string): KeyFacts {
  const llm = key.startsWith('llm.');
  const facts: KeyFacts = {
    genAi: key.startsWith('gen_ai.'),
    llmUsage: llm && key.startsWith('llm.usage.'),
    openInference: llm && (OPENINFERENCE_KEYS.has(key) || OPENINFERENCE_PREFIXES.some((p) => key.startsWith(p))),
    langfuse: key.startsWith(LANGFUSE_PREFIX),
    flatPrefix: FLAT_PREFIXES.find((prefix) => key.startsWith(prefix) && isIndexAt(key, prefix.length)) ?? null,
  };
  return facts.genAi || llm || facts.langfuse || facts.flatPrefix !== null ? facts : NO_FACTS;
}

export class SpanView {
  readonly attrs: Attributes;
  readonly hasGenAiKey: boolean;
  readonly hasLlmUsageKey: boolean;
  readonly hasOpenInferenceKey: boolean;
  readonly hasLangfuseKey: boolean;
  readonly #flatKeys: Map<FlatPrefix, string[]> | undefined;
  #itemsCache: Map<FlatPrefix, unknown[]> | undefined;
  #jsonCache: Map<string, unknown> | undefined;

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
    this.hasLangfuseKey = scan.hasLangfuseKey;
    this.#flatKeys = scan.flatKeys;
  }

  /** Keys of a flattened family (`gen_ai.prompt.<N>…`; `gen_ai.prompt.name` is not one). */
  keysOf(prefix: FlatPrefix): readonly string[] {
    return this.#flatKeys?.get(prefix) ?? [];
  }

  /** A flattened family rebuilt into its ordered items (cached). */
  items(prefix: FlatPrefix): unknown[] {
    if (this.keysOf(prefix).length === 0) return [];
    this.#itemsCache ??= new Map();
    let items = this.#itemsCache.get(prefix);
    if (items === undefined) {
      items = unflattenIndexed(this.attrs, this.keysOf(prefix), prefix);
      this.#itemsCache.set(prefix, items);
    }
    return items;
  }

  /** An attribute as plain data, JSON strings parsed (cached). */
  json(key: string): unknown {
    const value = this.attrs.get(key);
    // Missing and scalar values are their own plain form: only text and structured values are converted.
    if (typeof value !== 'string' && typeof value !== 'object') return value;
    if (value === null) return null;
    this.#jsonCache ??= new Map();
    if (this.#jsonCache.has(key)) return this.#jsonCache.get(key);
    const plain = structured(value);
    this.#jsonCache.set(key, plain);
    return plain;
  }

  eventsNamed(name: string): SpanEvent[] {
    return this.span.events.filter((event) => event.name === name);
  }
}
