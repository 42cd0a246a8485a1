/**
 * How model names vary for one model: a provider prefix (`openai/gpt-4o`, `models/gemini-…`,
 * Bedrock's `us.anthropic.claude-…`), case, and version suffixes (dates, snapshot numbers,
 * `-latest`, `-preview`, Bedrock's `-v1:0`, Vertex's `@20241022`). The price table and the
 * double-tracing rule both read names through this, so they agree on what one model is.
 */

/** One version suffix. */
const VERSION = String.raw`(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{3,8}|latest|preview|exp|v\d+(?::\d+)?))`;
/** What may follow a family's name. */
export const VERSION_SUFFIX = new RegExp(`^${VERSION}*$`);
const TRAILING_VERSIONS = new RegExp(`${VERSION}+$`);
/** Bedrock model ids: an optional cross-region prefix, then the vendor. */
const BEDROCK_PREFIX = /^(?:(?:us|eu|apac|global|us-gov)\.)?(?:anthropic|meta|amazon|mistral|deepseek|cohere)\./;
/** `vendor/model` prefixes (LiteLLM, OpenRouter, Together) that name a provider. */
const PREFIX_PROVIDERS = new Map([
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['google', 'gcp.gemini'],
  ['gemini', 'gcp.gemini'],
  ['vertex_ai', 'gcp.vertex_ai'],
  ['mistral', 'mistral_ai'],
  ['mistralai', 'mistral_ai'],
  ['deepseek', 'deepseek'],
  ['groq', 'groq'],
  ['bedrock', 'aws.bedrock'],
]);

/** The name without prefixes, lower-cased (versions kept), and the provider a prefix named. */
export function splitModelName(model: string): { name: string; provider: string | null } {
  let name = model
    .trim()
    .toLowerCase()
    .replace(/^models\//, '');
  let provider: string | null = null;
  const slash = name.lastIndexOf('/');
  if (slash >= 0) {
    provider = PREFIX_PROVIDERS.get(name.slice(0, name.indexOf('/'))) ?? null;
    name = name.slice(slash + 1);
  }
  const bedrock = BEDROCK_PREFIX.exec(name);
  if (bedrock) {
    name = name.slice(bedrock[0].length);
    provider ??= 'aws.bedrock';
  }
  return { name, provider };
}

const families = new Map<string, string>();

/** The name without prefixes, case or version suffixes: what a request and its response share. */
export function modelFamily(model: string): string {
  let family = families.get(model);
  if (family === undefined) {
    family = splitModelName(model).name.replace(TRAILING_VERSIONS, '');
    // A few dozen names repeat in every batch; a stream of distinct ones must not grow the map without bound.
    if (families.size >= 1024) families.clear();
    families.set(model, family);
  }
  return family;
}
