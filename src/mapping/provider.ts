/**
 * The `provider` column: one lower-case name per provider whatever the family wrote (`Azure`,
 * `openai.chat`, deprecated `az.ai.openai`). The raw value stays in `attributes`.
 */
import type { Attributes } from '../model/otlp.js';
import { firstStr, toStr } from './attributes.js';

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
]);

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

export function providerOf(attrs: Attributes): string | null {
  const raw = firstStr(attrs, PROVIDER_KEYS);
  if (raw !== null) return normaliseProvider(raw);
  const address = toStr(attrs.get('server.address'));
  return address === null ? null : providerFromHost(address);
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
