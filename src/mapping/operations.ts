/**
 * The kind of a call from its operation name, for OTLP spans (`gen_ai.operation.name`, the first
 * word of a span name) and native items (`operation`) alike.
 */
import type { TraceKind } from '../model/events.js';

/** The GenAI semantic conventions' operation names, plus the non-spec ones SDKs send (`completion`, `agent_step`…). */
export const KIND_BY_OPERATION: ReadonlyMap<string, TraceKind> = new Map<string, TraceKind>([
  ['chat', 'llm'],
  ['text_completion', 'llm'],
  ['generate_content', 'llm'],
  ['completion', 'llm'],
  ['generate', 'llm'],
  ['embeddings', 'embedding'],
  ['embedding', 'embedding'],
  ['execute_tool', 'tool'],
  ['invoke_agent', 'agent'],
  ['create_agent', 'agent'],
  ['agent_step', 'agent'],
  ['retrieval', 'retrieval'],
  ['invoke_workflow', 'workflow'],
  ['plan', 'workflow'],
]);

/** Case-insensitive; undefined for an operation the table does not know. */
export function kindOfOperation(operation: string | null): TraceKind | undefined {
  return operation === null ? undefined : KIND_BY_OPERATION.get(operation.toLowerCase());
}

/** An operation name exactly as the table spells it (`chat`, not `Chat`). */
export const isKnownOperation = (name: string) => KIND_BY_OPERATION.has(name);
