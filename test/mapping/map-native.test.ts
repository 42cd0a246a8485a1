import { describe, expect, it } from 'vitest';
import type { ErrorRow, TraceRow } from '../../src/model/events.js';
import type { NativeTrace } from '../../src/model/native.js';
import { errorEvents, renderMessages, traceEvents } from '../../src/mapping/map-native.js';
import { mapOne, NO_PRICES } from './fixtures.js';

const LIMITS = { maxTextBytes: 1000, maxAttributesBytes: 1000, costs: NO_PRICES };
const RECEIVED = Date.UTC(2024, 4, 1, 12, 0, 0);

function row(item: NativeTrace): TraceRow {
  const { events } = traceEvents([item], RECEIVED, LIMITS);
  return events[0].row as TraceRow;
}

describe('renderMessages', () => {
  it('renders one "role: content" block per message, separated by a blank line', () => {
    expect(
      renderMessages([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('system: Be brief.\n\nuser: Hi');
  });

  it('renders content that is not a string as compact JSON', () => {
    expect(
      renderMessages([
        { role: 'user', content: [{ type: 'text', text: 'a b' }] },
        { role: 'assistant', content: null },
      ]),
    ).toBe('user: [{"type":"text","text":"a b"}]\n\nassistant: null');
  });

  it('renders messages exactly as the OTLP mapping renders the same gen_ai.input.messages', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '' },
    ];
    const otlp = mapOne({ attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': JSON.stringify(messages) } }).row;
    expect(row({ model: 'm', input: messages }).input_text).toBe(otlp.input_text);
    expect(otlp.input_text).toBe('system: Be brief.\n\nuser: Hi'); // the empty message is left out
  });

  it('replaces a base64 payload in non-string content with a placeholder, as for OTLP', () => {
    const data = 'QUJD'.repeat(500);
    expect(renderMessages([{ role: 'user', content: { type: 'image', data } }])).toBe(
      'user: {"type":"image","data":"[blob, 2000 bytes base64 omitted]"}',
    );
  });
});

describe('traceEvents', () => {
  it.each([
    ['chat', 'llm'],
    ['text_completion', 'llm'],
    ['generate_content', 'llm'],
    ['embeddings', 'embedding'],
    ['execute_tool', 'tool'],
    ['invoke_agent', 'agent'],
    ['create_agent', 'agent'],
    ['retrieval', 'retrieval'],
    ['invoke_workflow', 'workflow'],
    ['rerank', 'other'],
  ])('operation %s defaults kind to %s', (operation, kind) => {
    expect(row({ model: 'm', operation }).kind).toBe(kind);
  });

  it('defaults operation to chat and keeps an explicit kind', () => {
    expect(row({ model: 'm' })).toMatchObject({ operation: 'chat', kind: 'llm' });
    expect(row({ model: 'm', operation: 'embeddings', kind: 'other' })).toMatchObject({ operation: 'embeddings', kind: 'other' });
  });

  const start = RECEIVED - 10_000;
  it.each<[string, NativeTrace, Partial<TraceRow>]>([
    ['nothing: start is the receipt time, end unknown', { model: 'm' }, { start_time: RECEIVED, end_time: null, duration_ms: null }],
    [
      'duration only: the call ended at receipt',
      { model: 'm', duration_ms: 1500.5 },
      { start_time: RECEIVED - 1500, end_time: RECEIVED, duration_ms: 1500.5 },
    ],
    ['start only', { model: 'm', start_time: start }, { start_time: start, end_time: null, duration_ms: null }],
    [
      'start + duration',
      { model: 'm', start_time: start, duration_ms: 250 },
      { start_time: start, end_time: start + 250, duration_ms: 250 },
    ],
    [
      'start + end',
      { model: 'm', start_time: new Date(start).toISOString(), end_time: start + 40 },
      { start_time: start, end_time: start + 40, duration_ms: 40 },
    ],
    [
      'start + end + a more precise duration',
      { model: 'm', start_time: start, end_time: start + 40, duration_ms: 39.75 },
      { start_time: start, end_time: start + 40, duration_ms: 39.75 },
    ],
    ['end + duration', { model: 'm', end_time: start, duration_ms: 100 }, { start_time: start - 100, end_time: start, duration_ms: 100 }],
    ['end only: start is the end', { model: 'm', end_time: start }, { start_time: start, end_time: start, duration_ms: null }],
    [
      'RFC 3339 with an offset and microseconds',
      { model: 'm', start_time: '2024-05-01T14:00:00.123456+02:00' },
      { start_time: RECEIVED + 123 },
    ],
  ])('times: %s', (_name, item, expected) => {
    expect(row(item)).toMatchObject(expected);
  });

  it('returns the trace row ids in input order, and an errors row after each failed call', () => {
    const { events, traceIds } = traceEvents(
      [{ model: 'a' }, { model: 'b', status: 'error', error_type: 'RateLimitError', end_time: start }, { model: 'c' }],
      RECEIVED,
      LIMITS,
    );
    expect(events.map((e) => e.type)).toEqual(['trace', 'trace', 'error', 'trace']);
    expect(traceIds).toEqual([events[0].row.trace_id, events[1].row.trace_id, events[3].row.trace_id]);
    expect(events[2].row).toMatchObject({ origin: 'native', llm_trace_id: traceIds[1], message: 'RateLimitError', occurred_at: start });
  });

  it('names a failed call without message or type "error", at its start when the end is unknown', () => {
    const { events } = traceEvents([{ model: 'm', status: 'error', start_time: start }], RECEIVED, LIMITS);
    expect(events[1].row as ErrorRow).toMatchObject({ message: 'error', error_type: null, occurred_at: start });
  });
});

describe('errorEvents', () => {
  it('defaults occurred_at to the receipt time and lower-cases ids', () => {
    const id = 'A1B2C3D4-0000-4000-8000-00000000000F';
    const { events, traceIds } = errorEvents([{ message: 'boom', llm_trace_id: id, otel_trace_id: 'AB'.repeat(16) }], RECEIVED, LIMITS);
    expect(events[0].row).toMatchObject({ occurred_at: RECEIVED, llm_trace_id: id.toLowerCase(), otel_trace_id: 'ab'.repeat(16) });
    expect(traceIds).toEqual([events[0].row.trace_id]);
  });
});
