import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { decodeLogsJson } from '../../../src/receiver/otlp/decode-logs-json.js';
import { decodeLogsProtobuf } from '../../../src/receiver/otlp/decode-logs-protobuf.js';
import { countLogRecords, type LogRecord, type LogsRequest } from '../../../src/model/otlp.js';
import { DecodeError } from '../../../src/receiver/otlp/decode-errors.js';

const SPAN = { traceId: '5b8efff798038103d269b633813fc60c', spanId: '00f067aa0ba902b7', traceFlags: 1 };

/** Records as instrumentation-openai emits them (a kvlist body, `event.name` attribute) plus a v1.37+ details event. */
function sdkRecords(): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'weather-bot' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('@opentelemetry/instrumentation-openai', '0.21.0');
  const context = trace.setSpanContext(ROOT_CONTEXT, SPAN);
  logger.emit({
    timestamp: [1760000000, 123456789],
    context,
    severityNumber: SeverityNumber.INFO,
    attributes: { 'event.name': 'gen_ai.user.message', 'gen_ai.system': 'openai' },
    body: { content: 'Capital of France?', n: 2, ratio: 0.5, ok: true, parts: ['a', 'b'] },
  });
  logger.emit({
    timestamp: [1760000000, 223456789],
    context,
    eventName: 'gen_ai.client.inference.operation.details',
    attributes: { 'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'Paris.' }] }] },
  });
  return exporter.getFinishedLogRecords();
}

const onlyRecords = (request: LogsRequest): LogRecord[] =>
  request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));

describe('OTLP logs decoders', () => {
  it('decode what the JS SDK serializes, the same from protobuf and from JSON', () => {
    const records = sdkRecords();
    const fromProtobuf = decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(records)!);
    const fromJson = decodeLogsJson(JsonLogsSerializer.serializeRequest(records)!);
    expect(fromJson).toEqual(fromProtobuf);
    expect(countLogRecords(fromProtobuf)).toBe(2);
    expect(fromProtobuf.resourceLogs[0].resource.get('service.name')).toBe('weather-bot');
    expect(fromProtobuf.resourceLogs[0].scopeLogs[0].scope).toEqual({ name: '@opentelemetry/instrumentation-openai', version: '0.21.0' });
    const [message, details] = onlyRecords(fromProtobuf);
    expect(message).toMatchObject({
      timeUnixNano: 1760000000123456789n,
      severityNumber: 9,
      traceId: SPAN.traceId,
      spanId: SPAN.spanId,
      eventName: '',
      body: new Map<string, unknown>([
        ['content', 'Capital of France?'],
        ['n', 2],
        ['ratio', 0.5],
        ['ok', true],
        ['parts', ['a', 'b']],
      ]),
      attributes: new Map([
        ['event.name', 'gen_ai.user.message'],
        ['gen_ai.system', 'openai'],
      ]),
    });
    expect(message.observedTimeUnixNano).toBeGreaterThan(0n);
    expect(details.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(details.body).toBeNull();
    expect(details.attributes.get('gen_ai.output.messages')).toEqual([
      new Map<string, unknown>([
        ['role', 'assistant'],
        [
          'parts',
          [
            new Map([
              ['type', 'text'],
              ['content', 'Paris.'],
            ]),
          ],
        ],
      ]),
    ]);
  });

  it('read OTLP/JSON leniently: snake_case keys, severity names, 64-bit times as numbers or strings, upper-case ids', () => {
    const body = JSON.stringify({
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                {
                  time_unix_nano: '18446744073709551615',
                  observed_time_unix_nano: 1760000000000000000,
                  severity_number: 'SEVERITY_NUMBER_WARN',
                  trace_id: SPAN.traceId.toUpperCase(),
                  span_id: SPAN.spanId.toUpperCase(),
                  event_name: 'gen_ai.choice',
                  body: { string_value: 'x' },
                },
              ],
            },
          ],
        },
      ],
    }).replace('1760000000000000000', '1760000000000000001'); // a literal beyond 2^53, as a JSON number
    const [record] = onlyRecords(decodeLogsJson(Buffer.from(body)));
    expect(record).toEqual({
      timeUnixNano: 18446744073709551615n,
      observedTimeUnixNano: 1760000000000000001n,
      severityNumber: 13,
      severityText: '',
      body: 'x',
      attributes: new Map(),
      traceId: SPAN.traceId,
      spanId: SPAN.spanId,
      eventName: 'gen_ai.choice',
    });
  });

  it.each([
    [
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]}',
      'resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: unknown enum name "LOUD"',
    ],
    [
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"x"}}]}]}]}',
      'resourceLogs[0].scopeLogs[0].logRecords[0].body.intValue: expected a 64-bit integer (number or decimal string)',
    ],
    [
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"abc"}]}]}]}',
      'resourceLogs[0].scopeLogs[0].logRecords[0].traceId: expected 32 hex digits, got 3 characters',
    ],
    ['[]', 'expected a JSON object (ExportLogsServiceRequest) at the top level'],
  ])('reject %s naming the field', (body, message) => {
    expect(() => decodeLogsJson(Buffer.from(body))).toThrow(new DecodeError(message));
  });
});
