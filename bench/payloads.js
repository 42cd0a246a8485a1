// Request bodies for the bench, built the way real exporters build them: spans recorded by the
// OpenTelemetry SDK, serialized by @opentelemetry/otlp-transformer.
//
// oct stores a span once per (otel_trace_id, otel_span_id), so every request must carry ids never
// sent before. Each body comes with the byte offsets of its spans' trace ids; a sender "stamps"
// the first 4 bytes (protobuf) or 8 hex digits (JSON) of every trace id with a per-request counter.
// The other 12 bytes stay random (distinct per trace), and each request gets a new counter, so no
// (trace id, span id) pair is ever sent twice however often a body is reused.
import fs from 'node:fs';
import path from 'node:path';
import { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpanKind, context, trace } from '@opentelemetry/api';

const WORDS = (
  'the of and to in is you that it was for on are as with they at be this have from or one had by word but not ' +
  'what all were we when your can said there use an each which she do how their if will up other about out many then them ' +
  'these so some would make like into time has look two more write see number no way could people than first been call who ' +
  'now find long down day did get come made may part model token prompt completion assistant user system function tool json ' +
  'schema answer question context retrieval document summary translate explain code python typescript error stack latency'
).split(' ');
const PROVIDERS = ['openai', 'anthropic', 'aws.bedrock', 'gcp.vertex_ai', 'azure.ai.openai'];
const MODELS = [
  'gpt-4o-2024-08-06',
  'gpt-4o-mini',
  'claude-sonnet-4-20250514',
  'claude-3-5-haiku-20241022',
  'gemini-2.0-flash',
  'llama-3.1-70b-instruct',
  'mistral-large-2411',
  'o3-mini',
];

/** xorshift32: the same bodies every run (ids are random: the SDK makes them); the fault suite's fuzzer uses it too. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
const pick = (r, list) => list[(r() * list.length) | 0];
function words(r, chars) {
  let out = '';
  while (out.length < chars) out += pick(r, WORDS) + (r() < 0.08 ? '. ' : ' ');
  return out.slice(0, chars);
}
const textMessage = (role, content, extra = {}) => ({ role, parts: [{ type: 'text', content }], ...extra });

/** Records n spans with the real SDK; `fill(span, model, r)` sets each span's attributes. */
function recordSpans(n, seed, fill) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout-assistant',
      'service.version': '1.4.2',
      'deployment.environment.name': 'production',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.1',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench-genai-instrumentation', '0.9.0');
  const r = rng(seed);
  const t0 = Date.now() - 3_600_000;
  let root;
  for (let i = 0; i < n; i++) {
    // 8 spans per trace: a root call and 7 calls under it, like an agent loop.
    const model = pick(r, MODELS);
    const start = t0 + i * 40;
    const parent = i % 8 === 0 ? undefined : trace.setSpan(context.active(), root);
    const span = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, startTime: start, root: !parent }, parent);
    fill(span, model, r);
    span.end(start + 200 + ((r() * 9000) | 0));
    if (i % 8 === 0) root = span;
  }
  const spans = exporter.getFinishedSpans();
  if (spans.length !== n) throw new Error(`expected ${n} spans, got ${spans.length}`);
  return spans;
}

function commonGenAi(span, model, r) {
  const input = 200 + ((r() * 4000) | 0),
    output = 20 + ((r() * 1200) | 0);
  span.setAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': pick(r, PROVIDERS),
    'gen_ai.request.model': model,
    'gen_ai.response.model': model,
    'gen_ai.request.temperature': Math.round(r() * 100) / 100,
    'gen_ai.request.max_tokens': 4096,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    'gen_ai.response.id': 'chatcmpl-' + (r() * 1e16).toString(36) + (r() * 1e16).toString(36),
    'gen_ai.response.finish_reasons': ['stop'],
  });
}

/** 512 chat spans with ~3 KB of message content each (≈3.6 KB per span on the wire). */
export function contentSpans(n, seed) {
  return recordSpans(n, seed, (span, model, r) => {
    commonGenAi(span, model, r);
    span.setAttributes({
      'gen_ai.input.messages': JSON.stringify([textMessage('system', words(r, 300)), textMessage('user', words(r, 1580))]),
      'gen_ai.output.messages': JSON.stringify([textMessage('assistant', words(r, 980), { finish_reason: 'stop' })]),
    });
  });
}

/** Small GenAI spans without content (≈540 B), the Collector testbed's profile. */
export function testbedSpans(n, seed) {
  return recordSpans(n, seed, (span, model, r) => {
    commonGenAi(span, model, r);
    span.setAttributes({ 'server.address': 'api.openai.com' });
  });
}

/**
 * Calls `visit(field, wire, start, length)` for every field of every Span of an
 * ExportTraceServiceRequest: request.resource_spans(1) → ResourceSpans.scope_spans(2) →
 * ScopeSpans.spans(2) → Span fields. `start` is where the field's value begins.
 */
function visitSpanFields(buf, visit) {
  let pos = 0;
  const varint = () => {
    let v = 0,
      shift = 0,
      b;
    do {
      b = buf[pos++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  // `levels` lists the field numbers still to descend into; none left: inside a Span.
  const walk = (end, levels) => {
    while (pos < end) {
      const key = varint(),
        field = Math.floor(key / 8),
        wire = key & 7;
      const start = pos;
      let length;
      if (wire === 0) {
        varint();
        length = pos - start;
      } else if (wire === 1) length = 8;
      else if (wire === 5) length = 4;
      else if (wire === 2) length = varint();
      else throw new Error(`unexpected wire type ${wire}`);
      const valueStart = wire === 2 ? pos : start;
      if (levels.length === 0) visit(field, wire, valueStart, length);
      else if (wire === 2 && field === levels[0]) walk(valueStart + length, levels.slice(1));
      pos = valueStart + length;
    }
  };
  walk(buf.length, [1, 2, 2]);
}

/** Offsets of the trace_id bytes of every Span in an ExportTraceServiceRequest. */
export function protobufTraceIdOffsets(buf) {
  const offsets = [];
  visitSpanFields(buf, (field, wire, start, length) => {
    if (field !== 1 || wire !== 2) return;
    if (length !== 16) throw new Error(`trace_id of ${length} bytes`);
    offsets.push(start);
  });
  return offsets;
}

/**
 * Offsets of the upper 4 bytes of every Span's start and end time (fixed64, little-endian, fields
 * 7 and 8): shifting them to the current time makes each request's spans "now", as a real
 * exporter's are, so the time-ordered indexes see appends and not 16 replayed instants.
 */
export function protobufTimeOffsets(buf) {
  const offsets = [];
  visitSpanFields(buf, (field, wire, start) => {
    if ((field === 7 || field === 8) && wire === 1) offsets.push(start + 4);
  });
  return offsets;
}

/**
 * The time offsets to stamp in a body of this stamp kind: protobuf ('bin') bodies only. Computed
 * where the body is loaded, not passed around: 1,024 offsets per body overflow a command line.
 */
export function timeOffsetsOf(buf, kind) {
  return kind === 'bin' ? protobufTimeOffsets(buf) : [];
}

/** The upper 32 bits of the current time in Unix nanoseconds (they change every 4.3 s). */
export function nowUpper32() {
  return Number((BigInt(Date.now()) * 1_000_000n) >> 32n);
}

/** Ids of the last span of a protobuf body (the serializer writes span_id right after trace_id). */
function lastSpanIds(buf, offsets) {
  const o = offsets.at(-1);
  if (buf[o + 16] !== 0x12 || buf[o + 17] !== 8) throw new Error('span_id does not follow trace_id');
  return { traceId: buf.subarray(o, o + 16).toString('hex'), spanId: buf.subarray(o + 18, o + 26).toString('hex') };
}

/** Offsets of the first hex digit of every span's traceId in OTLP/JSON. */
export function jsonTraceIdOffsets(buf) {
  const offsets = [];
  const needle = Buffer.from('"traceId":"');
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) offsets.push(i + needle.length);
  return offsets;
}

/**
 * Writes `counter` into every trace id of `template` (copied); kind 'bin' = 4 bytes, 'hex' = 8
 * digits. With `timeOffsets` (protobuf only), span times are moved to the current time.
 */
export function stamp(template, offsets, kind, counter, timeOffsets = []) {
  const out = Buffer.from(template);
  const bin = Buffer.alloc(4);
  bin.writeUInt32BE(counter >>> 0);
  const text = kind === 'hex' ? Buffer.from(bin.toString('hex')) : bin;
  for (const o of offsets) text.copy(out, o);
  if (timeOffsets.length > 0) {
    // Shift every time by the same whole number of 2^32 ns, so durations and order are kept.
    const shift = nowUpper32() - template.readUInt32LE(timeOffsets[0]);
    for (const o of timeOffsets) out.writeUInt32LE(template.readUInt32LE(o) + shift, o);
  }
  return out;
}

/**
 * Builds every body into `dir` and returns a description of them:
 * { content: { pb: [{file, offsets}], json: [...] }, testbed: {...}, native: {file}, curve: {spans: {file, offsets}} }
 * (curve: one body of testbed spans per request size).
 */
export function buildPayloads(
  dir,
  {
    contentBodies = 16,
    contentSpans: nContent = 512,
    testbedBodies = 8,
    testbedSpans: nTestbed = 100,
    curveSizes = [1, 10, 100, 512],
  } = {},
) {
  fs.mkdirSync(dir, { recursive: true });
  const out = { content: { pb: [], json: [] }, testbed: { pb: [] }, native: {}, curve: {} };
  const write = (name, buf) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, buf);
    return file;
  };
  for (let i = 0; i < contentBodies; i++) {
    const spans = contentSpans(nContent, 1000 + i);
    const pb = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
    out.content.pb.push({ file: write(`content-${i}.pb`, pb), bytes: pb.length, spans: nContent, offsets: protobufTraceIdOffsets(pb) });
    // JSON is ~20% bigger and only used by the variants scenario: a few bodies are enough.
    if (i < 4) {
      const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans));
      out.content.json.push({
        file: write(`content-${i}.json`, json),
        bytes: json.length,
        spans: nContent,
        offsets: jsonTraceIdOffsets(json),
      });
    }
  }
  for (let i = 0; i < testbedBodies; i++) {
    const pb = Buffer.from(ProtobufTraceSerializer.serializeRequest(testbedSpans(nTestbed, 5000 + i)));
    const offsets = protobufTraceIdOffsets(pb);
    out.testbed.pb.push({ file: write(`testbed-${i}.pb`, pb), bytes: pb.length, spans: nTestbed, offsets, last: lastSpanIds(pb, offsets) });
  }
  const native = Buffer.from(
    JSON.stringify({
      model: 'gpt-4o',
      provider: 'openai',
      input: 'What is the capital of France? Answer in one word.',
      output: 'Paris.',
      input_tokens: 10,
      output_tokens: 5,
      duration_ms: 800,
    }),
  );
  out.native = { file: write('native.json', native), bytes: native.length };
  for (const n of curveSizes) {
    const pb = Buffer.from(ProtobufTraceSerializer.serializeRequest(testbedSpans(n, 7000 + n)));
    out.curve[n] = { file: write(`curve-${n}.pb`, pb), bytes: pb.length, spans: n, offsets: protobufTraceIdOffsets(pb) };
  }
  const curve = Object.values(out.curve);
  for (const list of [out.content.pb, out.content.json, out.testbed.pb, curve]) {
    for (const b of list)
      if (b.offsets.length !== b.spans) throw new Error(`${b.file}: found ${b.offsets.length} trace ids for ${b.spans} spans`);
  }
  for (const b of [...out.content.pb, ...out.testbed.pb, ...curve]) {
    const times = timeOffsetsOf(fs.readFileSync(b.file), 'bin').length;
    if (times !== 2 * b.spans) throw new Error(`${b.file}: found ${times} span times for ${b.spans} spans`);
  }
  return out;
}

/** The manifest post.lua reads, per body: one "file kind n" line, the id offsets, the time offsets. */
export function writeLuaManifest(file, bodies, kind) {
  const lines = [];
  for (const b of bodies)
    lines.push(`${b.file} ${kind} ${b.offsets.length}`, b.offsets.join(' '), timeOffsetsOf(fs.readFileSync(b.file), kind).join(' '));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
