import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeTracesJson } from '../../../src/receiver/otlp/decode-traces-json.js';
import { decodeTracesProtobuf } from '../../../src/receiver/otlp/decode-traces-protobuf.js';
import { countSpans, type Span, type TracesRequest } from '../../../src/model/otlp.js';
import { DecodeError } from '../../../src/receiver/otlp/decode-errors.js';
import { ExportTraceServiceRequest } from './reflection-decoders.js';

const START: [number, number] = [1544712660, 123456789];
const END: [number, number] = [1544712661, 987654321];

/** Two spans (a client span with every attribute type, an event and an error status; its child) as the JS SDK records them. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'weather-bot', 'host.cpus': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('decoder-test', '1.2.3');
  const parent = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime: START,
    attributes: {
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 27,
      'gen_ai.request.temperature': 0.25,
      'gen_ai.stream': true,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'test.ints': [1, -2],
      'test.bools': [false, true],
    },
  });
  parent.addEvent('gen_ai.choice', { index: 0, 'gen_ai.finish_reason': 'stop' }, [1544712660, 500000001]);
  parent.setStatus({ code: SpanStatusCode.ERROR, message: '429 rate limit reached' });
  const child = tracer.startSpan('tool lookup', { startTime: START }, trace.setSpan(context.active(), parent));
  child.end(END);
  parent.end(END);
  return exporter.getFinishedSpans();
}

function decodeSdkProtobuf(spans: ReadableSpan[]): TracesRequest {
  return decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!);
}

function onlySpans(request: TracesRequest): Span[] {
  return request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

// Hand-built bodies: the schema's own types, and raw wire-format writes for what they cannot express.
const SpanType = ExportTraceServiceRequest.root.lookupType('opentelemetry.proto.trace.v1.Span');
const tag = (field: number, wireType: number) => (field << 3) | wireType;
const LEN = 2;

/** A request holding one span given as encoded Span bytes. */
function requestWithSpan(span: Uint8Array): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, LEN)).fork(); // resource_spans
  w.uint32(tag(2, LEN)).fork(); // scope_spans
  w.uint32(tag(2, LEN)).bytes(span); // spans
  return w.ldelim().ldelim().finish();
}

function encodeSpan(fields: Record<string, unknown>): Uint8Array {
  return SpanType.encode(SpanType.fromObject({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 's', ...fields })).finish();
}

function decodeOneSpan(span: Uint8Array): { span: Span; warnings: string[] } {
  const request = decodeTracesProtobuf(requestWithSpan(span));
  return { span: onlySpans(request)[0], warnings: request.warnings };
}

/**
 * An encoded AnyValue nested `levels` deep (level 1 is the attribute's own value), innermost a
 * string. Written by hand: protobufjs's own encoder stops at 100 nested messages.
 */
function nestedValue(levels: number, via: 'array' | 'kvlist'): Uint8Array {
  let value = protobuf.Writer.create().uint32(tag(1, LEN)).string('bottom').finish();
  for (let i = 1; i < levels; i++) {
    const w = protobuf.Writer.create();
    if (via === 'array') {
      w.uint32(tag(5, LEN)).fork().uint32(tag(1, LEN)).bytes(value).ldelim(); // arrayValue.values
    } else {
      w.uint32(tag(6, LEN)).fork().uint32(tag(1, LEN)).fork(); // kvlistValue.values
      w.uint32(tag(1, LEN)).string('k').uint32(tag(2, LEN)).bytes(value).ldelim().ldelim();
    }
    value = w.finish();
  }
  return value;
}

/** Encoded KeyValue. */
function keyValue(key: string, value: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32(tag(1, LEN)).string(key).uint32(tag(2, LEN)).bytes(value).finish();
}

describe('decodeTracesProtobuf', () => {
  it('decodes what the JS SDK exports: ids, exact nanos, every attribute type, events, status', () => {
    const spans = sdkSpans();
    const [child, parent] = spans;
    const request = decodeSdkProtobuf(spans);

    expect(request.warnings).toEqual([]);
    expect(request.resourceSpans).toHaveLength(1);
    expect(request.resourceSpans[0].resource.get('service.name')).toBe('weather-bot');
    expect(request.resourceSpans[0].resource.get('host.cpus')).toBe(8);
    const scopeSpans = request.resourceSpans[0].scopeSpans;
    expect(scopeSpans).toHaveLength(1);
    expect(scopeSpans[0].scope).toEqual({ name: 'decoder-test', version: '1.2.3' });

    const byName = new Map(scopeSpans[0].spans.map((s) => [s.name, s]));
    expect(byName.get('chat gpt-4o')).toEqual({
      traceId: parent.spanContext().traceId,
      spanId: parent.spanContext().spanId,
      parentSpanId: '',
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: 1544712660123456789n,
      endTimeUnixNano: 1544712661987654321n,
      attributes: new Map<string, unknown>([
        ['gen_ai.request.model', 'gpt-4o'],
        ['gen_ai.usage.input_tokens', 27],
        ['gen_ai.request.temperature', 0.25],
        ['gen_ai.stream', true],
        ['gen_ai.response.finish_reasons', ['stop', 'length']],
        ['test.ints', [1, -2]],
        ['test.bools', [false, true]],
      ]),
      events: [
        {
          name: 'gen_ai.choice',
          timeUnixNano: 1544712660500000001n,
          attributes: new Map<string, unknown>([
            ['index', 0],
            ['gen_ai.finish_reason', 'stop'],
          ]),
        },
      ],
      statusCode: 2,
      statusMessage: '429 rate limit reached',
    });
    const decodedChild = byName.get('tool lookup')!;
    expect(decodedChild.traceId).toBe(parent.spanContext().traceId);
    expect(decodedChild.spanId).toBe(child.spanContext().spanId);
    expect(decodedChild.parentSpanId).toBe(parent.spanContext().spanId);
    expect(decodedChild.kind).toBe(1); // INTERNAL
    expect(decodedChild.statusCode).toBe(0);
  });

  it('produces the same model as the JSON decoder for the same SDK spans', () => {
    const spans = sdkSpans();
    const fromProtobuf = decodeSdkProtobuf(spans);
    const fromJson = decodeTracesJson(JsonTraceSerializer.serializeRequest(spans)!);
    expect(countSpans(fromProtobuf)).toBe(2);
    expect(fromProtobuf).toEqual(fromJson);
  });

  it('decodes a 0-byte body as a request without spans', () => {
    expect(decodeTracesProtobuf(new Uint8Array(0))).toEqual({ resourceSpans: [], warnings: [] });
  });

  it('decodes from a Uint8Array view into a larger buffer', () => {
    const body = ProtobufTraceSerializer.serializeRequest(sdkSpans())!;
    const padded = new Uint8Array(body.length + 10);
    padded.set(body, 5);
    expect(decodeTracesProtobuf(padded.subarray(5, 5 + body.length))).toEqual(decodeTracesProtobuf(body));
  });

  it('rejects garbage and truncated bodies with a DecodeError', () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]); // resource_spans claiming 4 GiB
    expect(() => decodeTracesProtobuf(garbage)).toThrow(DecodeError);
    expect(() => decodeTracesProtobuf(garbage)).toThrow(
      'invalid protobuf: length prefix 4294967295 at offset 1 exceeds the 1 bytes left in its message',
    );
    expect(() => decodeTracesProtobuf(Buffer.from([tag(9, 7)]))).toThrow(/^invalid protobuf: invalid wire type 7/);
    // 2^63 as a length prefix: its low 32 bits are 0, which protobufjs's uint32() would read.
    const huge = Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => decodeTracesProtobuf(huge)).toThrow(
      'invalid protobuf: length prefix 9223372036854776000 at offset 1 exceeds the 0 bytes left',
    );

    const body = ProtobufTraceSerializer.serializeRequest(sdkSpans())!;
    expect(() => decodeTracesProtobuf(body.subarray(0, body.length - 7))).toThrow(DecodeError);
  });

  it('rejects an id of the wrong length, naming the span', () => {
    const body = requestWithSpan(encodeSpan({ traceId: Buffer.alloc(5, 1) }));
    expect(() => decodeTracesProtobuf(body)).toThrow(
      new DecodeError('resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 5'),
    );
    expect(() => decodeTracesProtobuf(requestWithSpan(encodeSpan({ spanId: Buffer.alloc(16, 1) })))).toThrow(
      'resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 8 bytes, got 16',
    );
    expect(() => decodeTracesProtobuf(requestWithSpan(encodeSpan({ parentSpanId: Buffer.alloc(7, 1) })))).toThrow(
      'resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: expected 8 bytes, got 7',
    );
  });

  it('reads absent ids as empty strings and a missing resource and scope as empty', () => {
    const { span } = decodeOneSpan(SpanType.encode(SpanType.fromObject({ name: 'no ids' })).finish());
    expect(span).toMatchObject({ traceId: '', spanId: '', parentSpanId: '', name: 'no ids', startTimeUnixNano: 0n });
    const request = decodeTracesProtobuf(requestWithSpan(encodeSpan({})));
    expect(request.resourceSpans[0].resource).toEqual(new Map());
    expect(request.resourceSpans[0].scopeSpans[0].scope).toEqual({ name: '', version: '' });
  });

  it('skips unknown fields of every wire type, in a span and at the top level', () => {
    const unknown = protobuf.Writer.create();
    unknown.uint32(tag(99, 0)).uint64(7); // varint
    unknown.uint32(tag(98, 1)).fixed64(1); // 64-bit
    unknown.uint32(tag(97, LEN)).bytes(Buffer.from('future')); // length-delimited
    unknown.uint32(tag(96, 5)).fixed32(1); // 32-bit
    const extra = unknown.finish();

    const known = decodeOneSpan(encodeSpan({ name: 'known' })).span;
    const span = Buffer.concat([encodeSpan({ name: 'known' }), extra]);
    const body = Buffer.concat([requestWithSpan(span), extra]);
    const request = decodeTracesProtobuf(body);
    expect(countSpans(request)).toBe(1);
    expect(onlySpans(request)[0]).toEqual(known);
    expect(known.name).toBe('known');
  });

  it('treats string_value_strindex / key_strindex as absent, with one warning', () => {
    const { span, warnings } = decodeOneSpan(
      encodeSpan({
        attributes: [
          { key: 'indexed.value', value: { stringValueStrindex: 3 } },
          { key: 'zero.index', value: { stringValueStrindex: 0 } },
          { key: '', keyStrindex: 2, value: { stringValue: 'v' } },
          { key: 'plain', value: { stringValue: 'p' } },
        ],
      }),
    );
    expect(span.attributes).toEqual(
      new Map([
        ['indexed.value', null],
        ['zero.index', null],
        ['', 'v'],
        ['plain', 'p'],
      ]),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/strindex/);
  });

  it('replaces invalid UTF-8 in strings with U+FFFD', () => {
    const w = protobuf.Writer.create();
    w.uint32(tag(5, LEN)).bytes(Buffer.from([0x61, 0xff, 0x62, 0xc3])); // name = "a", 0xff, "b", a cut 2-byte sequence
    const { span } = decodeOneSpan(w.finish());
    expect(span.name).toBe('a\uFFFDb\uFFFD');
  });

  it('maps 64-bit values exactly: fixed64 times to bigint, int64 to number when safe', () => {
    const { span } = decodeOneSpan(
      encodeSpan({
        startTimeUnixNano: '18446744073709551615',
        endTimeUnixNano: '1544712660123456789',
        attributes: [
          { key: 'safe', value: { intValue: '9007199254740991' } },
          { key: 'unsafe', value: { intValue: '9007199254740993' } },
          { key: 'negative', value: { intValue: '-42' } },
          { key: 'min', value: { intValue: '-9223372036854775808' } },
          { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 254]) } },
          { key: 'empty', value: {} },
          { key: 'nothing' },
        ],
      }),
    );
    expect(span.startTimeUnixNano).toBe(18446744073709551615n);
    expect(span.endTimeUnixNano).toBe(1544712660123456789n);
    expect(span.attributes).toEqual(
      new Map<string, unknown>([
        ['safe', 9007199254740991],
        ['unsafe', 9007199254740993n],
        ['negative', -42],
        ['min', -9223372036854775808n],
        ['bytes', new Uint8Array([0, 1, 254])],
        ['empty', null],
        ['nothing', null],
      ]),
    );
    expect(Buffer.isBuffer(span.attributes.get('bytes'))).toBe(false); // a copy, not a view into the body
  });

  it('keeps nested arrays and kvlists, and rejects nesting deeper than 64 levels like the JSON decoder', () => {
    // An event's kvlist is the deepest place an AnyValue can sit; 64 levels must still decode.
    const deepEvent = (levels: number) => {
      const event = protobuf.Writer.create()
        .uint32(tag(2, LEN))
        .string('e')
        .uint32(tag(3, LEN))
        .bytes(keyValue('deep', nestedValue(levels, 'kvlist')));
      return Buffer.concat([encodeSpan({}), protobuf.Writer.create().uint32(tag(11, LEN)).bytes(event.finish()).finish()]);
    };
    let value = decodeOneSpan(deepEvent(64)).span.events[0].attributes.get('deep');
    for (let level = 1; level < 64; level++) value = (value as Map<string, unknown>).get('k') as typeof value;
    expect(value).toBe('bottom');

    const tooDeep = 'attribute value nesting deeper than 64 levels';
    expect(() => decodeOneSpan(deepEvent(65))).toThrow(new DecodeError(tooDeep));
    const deepAttribute = protobuf.Writer.create()
      .uint32(tag(9, LEN))
      .bytes(keyValue('deep', nestedValue(65, 'array')));
    expect(() => decodeOneSpan(Buffer.concat([encodeSpan({}), deepAttribute.finish()]))).toThrow(tooDeep);
  });
});
