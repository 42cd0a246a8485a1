/** One operation → kind table for OTLP spans and native items. */
import { describe, expect, it } from 'vitest';
import type { TraceKind } from '../../src/model/events.js';
import { traceEvents } from '../../src/mapping/map-native.js';
import { KIND_BY_OPERATION } from '../../src/mapping/operations.js';
import { mapOne, NO_PRICES } from './fixtures.js';

const LIMITS = { maxTextBytes: 1000, maxAttributesBytes: 1000, costs: NO_PRICES };

const EXPECTED: [string, TraceKind][] = [
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
];

const otlpKind = (operation: string) => mapOne({ attributes: { 'gen_ai.operation.name': operation } }).row.kind;
const nativeKind = (operation: string) => {
  const [event] = traceEvents([{ model: 'm', operation }], 0, LIMITS).events;
  return event.type === 'trace' ? event.row.kind : null;
};

describe('operation → kind', () => {
  it('lists every operation of the shared table here', () => {
    expect(new Map(EXPECTED)).toEqual(KIND_BY_OPERATION);
  });

  it.each(EXPECTED)('%s is %s on an OTLP span and on a native item', (operation, kind) => {
    expect([otlpKind(operation), nativeKind(operation)]).toEqual([kind, kind]);
  });

  it.each(EXPECTED)('%s is read case-insensitively on both paths', (operation, kind) => {
    expect([otlpKind(operation.toUpperCase()), nativeKind(operation.toUpperCase())]).toEqual([kind, kind]);
  });

  it('gives an operation outside the table kind other on both paths', () => {
    expect([otlpKind('rerank'), nativeKind('rerank')]).toEqual(['other', 'other']);
  });
});
