import { describe, expect, it } from 'vitest';
import type { ContentRow } from '../../src/model/events.js';
import { mapLogsRequest } from '../../src/mapping/map-logs.js';
import { decodeLogsJson } from '../../src/receiver/otlp/decode-logs-json.js';
import { logRecord, logsRequest, type RecordSpec } from '../logs-fixture.js';
import { NO_PRICES } from './fixtures.js';

const OPTIONS = { maxTextBytes: 65_536, maxAttributesBytes: 16_384, costs: NO_PRICES, errorsFrom: 'all' as const };

const map = (specs: (RecordSpec | object)[]) =>
  mapLogsRequest(decodeLogsJson(Buffer.from(logsRequest(specs.map((s) => ('event' in s ? logRecord(s) : s))))), OPTIONS);
const rows = (specs: RecordSpec[]) => map(specs).events.map((e) => e.row as ContentRow);

describe('mapLogsRequest', () => {
  it('renders each GenAI record into blocks: system instructions apart, other input, output', () => {
    const [system, user, choice] = rows([
      { event: 'gen_ai.system.message', body: { content: 'Be terse.' } },
      { event: 'gen_ai.user.message', body: 'a plain string body' },
      { event: 'gen_ai.choice', body: { index: 0, finish_reason: 'stop', message: { content: 'Paris.' } } },
    ]);
    expect(system).toMatchObject({
      system: ['system: Be terse.'],
      input: [],
      output: [],
      error: null,
      time_unix_nano: 1760000000000000000n,
    });
    expect(user).toMatchObject({ system: [], input: ['user: a plain string body'], output: [] });
    expect(choice).toMatchObject({ system: [], input: [], output: ['assistant: Paris.'] });
  });

  it('gives identical records of one span in one request their own keys, and a resent request the same keys', () => {
    const twice: RecordSpec[] = [
      { event: 'gen_ai.user.message', body: { content: 'yes' } },
      { event: 'gen_ai.user.message', body: { content: 'yes' } },
      { event: 'gen_ai.user.message', body: { content: 'yes' }, span: 2 },
    ];
    const keys = rows(twice).map((r) => r.record_key);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]); // keys are per span
    expect(rows(twice).map((r) => r.record_key)).toEqual(keys);
  });

  it('counts records that are not GenAI content, or carry none, as ignored', () => {
    const result = map([
      { timeUnixNano: '1', body: { stringValue: 'GET /health 200' } },
      logRecord({ event: 'gen_ai.user.message', body: {} }), // content capture off
      logRecord({ event: 'http.request', body: { content: 'not ours' } }),
      logRecord({
        event: 'gen_ai.choice',
        body: { index: 0, message: {}, tool_calls: [{ id: 'c', type: 'function', function: { name: 'weather' } }] },
      }),
    ]);
    expect(result).toMatchObject({ rejectedRecords: 0, rejectionMessage: null, ignoredRecords: 3 });
    expect((result.events[0].row as ContentRow).output).toEqual(['assistant: [tool_call weather]']);
  });
});
