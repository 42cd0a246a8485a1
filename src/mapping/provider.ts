/**
 * The `provider` column: one lower-case name per provider whatever the family wrote (`Azure`,
 * `openai.chat`, deprecated `az.ai.openai`). The raw value stays in `attributes`. Without an
 * explicit provider attribute: LangChain's run metadata (`ls_provider`), then a well-known API
 * host. A model name alone never decides it (Langfuse spans carry nothing else: NULL).
 */
import type { Attributes } from '../model/otlp.js';
import { firstStr, isRecord, parseJsonText, toStr } from './attributes.js';
import type { SpanView } from './span-view.js';

const PROVIDER_KEYS = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'];

/** Deprecated spec values, OpenInference spellings and SDK ids → current spec values. */
const ALIASES = new Map([
  ['az.ai.openai', 'azure.ai.openai'],
  ['az.ai.inference', 'azure.ai.inference'],
  ['vertex_ai', 'gcp.vertex_ai'],
  ['vertexai', 'gcp.vertex_ai'],
  ['gemini', 'gcp.gemini'],
  ['xai', 'x_ai'],
  ['mistralai', 'mistral_ai'],
  ['bedrock', 'aws.bedrock'],
  ['amazon-bedrock', 'aws.bedrock'],
  // LangChain's `ls_provider` values.
  ['google_genai', 'gcp.gemini'],
  ['google_vertexai', 'gcp.vertex_ai'],
  ['amazon_bedrock', 'aws.bedrock'],
]);

/** Where LangChain's run metadata lands: OpenInference's `metadata` JSON, OpenLLMetry's and Langfuse's flattened keys. */
const METADATA_OBJECTS = ['metadata', 'langfuse.observation.metadata'];
const METADATA_PREFIXES = ['traceloop.association.properties.', 'langfuse.observation.metadata.'];

/** Spec values that contain a dot (any other dotted value is a Vercel AI SDK provider id). */
const DOTTED_SPEC_VALUES = new Set([
  'aws.bedrock',
  'azure.ai.inference',
  'azure.ai.openai',
  'gcp.gemini',
  'gcp.gen_ai',
  'gcp.vertex_ai',
  'ibm.watsonx.ai',
]);

/** First segment of a Vercel provider id (`azure.responses`, `mistral.chat`) → spec value. */
const VERCEL_PROVIDERS = new Map([
  ['azure', 'azure.ai.openai'],
  ['mistral', 'mistral_ai'],
  ['google', 'gcp.gen_ai'],
]);

const HOSTS = new Map([
  ['api.openai.com', 'openai'],
  ['api.anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.x.ai', 'x_ai'],
  ['api.groq.com', 'groq'],
  ['api.deepseek.com', 'deepseek'],
  ['api.cohere.com', 'cohere'],
]);

export function providerOf(view: SpanView): string | null {
  const attrs = view.attrs;
  const explicit = firstStr(attrs, PROVIDER_KEYS);
  // OpenLLMetry's LangChain instrumentation names the framework, not the provider.
  const raw = explicit === null || explicit.toLowerCase() === 'langchain' ? langChainMetadata(view, 'ls_provider') : explicit;
  if (raw !== null) return normaliseProvider(raw);
  const address = toStr(attrs.get('server.address'));
  return address === null ? null : providerFromHost(address);
}

/** A LangChain run metadata value (`ls_provider`, `ls_model_name`) wherever the family put it. */
export function langChainMetadata(view: SpanView, key: string): string | null {
  for (const objectKey of METADATA_OBJECTS) {
    if (!view.attrs.has(objectKey)) continue;
    const metadata = view.json(objectKey);
    const value = isRecord(metadata) ? toStr(metadata[key]) : null;
    if (value !== null) return value;
  }
  return flattenedMetadata(view.attrs, key);
}

/** Flattened metadata values may be JSON-encoded (`"\"openai\""`) by the SDK. */
function flattenedMetadata(attrs: Attributes, key: string): string | null {
  const raw = firstStr(
    attrs,
    METADATA_PREFIXES.map((prefix) => prefix + key),
  );
  if (raw === null) return null;
  const parsed = parseJsonText(raw);
  return typeof parsed === 'string' ? toStr(parsed) : raw;
}

function normaliseProvider(raw: string): string {
  const value = raw.trim().toLowerCase();
  const alias = ALIASES.get(value);
  if (alias !== undefined) return alias;
  if (!value.includes('.') || DOTTED_SPEC_VALUES.has(value)) return value;
  return normaliseVercelProvider(value);
}

/** `openai.chat` → openai, `google.vertex.chat` → gcp.vertex_ai, `amazon-bedrock.x` → aws.bedrock. */
function normaliseVercelProvider(value: string): string {
  if (value.startsWith('google.vertex')) return 'gcp.vertex_ai';
  if (value.startsWith('google.generative-ai')) return 'gcp.gemini';
  const head = value.slice(0, value.indexOf('.'));
  return VERCEL_PROVIDERS.get(head) ?? ALIASES.get(head) ?? head;
}

/** Well-known API hosts only; an unknown host (a proxy, localhost) says nothing reliable. */
function providerFromHost(address: string): string | null {
  const host = address
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .split(/[/:]/, 1)[0];
  const known = HOSTS.get(host);
  if (known !== undefined) return known;
  if (host.endsWith('.openai.azure.com')) return 'azure.ai.openai';
  if (host.startsWith('bedrock-runtime.')) return 'aws.bedrock';
  if (host === 'aiplatform.googleapis.com' || host.endsWith('-aiplatform.googleapis.com')) return 'gcp.vertex_ai';
  return null;
}
