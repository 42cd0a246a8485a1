// Real OpenTelemetry JS SDK exporters, as an app would run them, in a process of their own:
// `node sdk-exporters.js '{"url":…,"exporters":8,"rate":N,"secs":S}'` ends N spans/s (spread over
// the exporters' tracer providers, default BatchSpanProcessor settings) for S s, then flushes and
// shuts every provider down and prints one JSON line: spans ended, seconds, failed exports.
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const o = JSON.parse(process.argv[2]);
let failedExports = 0;
const providers = Array.from({ length: o.exporters }, (_, i) => {
  const exporter = new OTLPTraceExporter({ url: `${o.url}/v1/traces` });
  const exportOnce = exporter.export.bind(exporter);
  exporter.export = (spans, done) =>
    exportOnce(spans, (result) => {
      if (result.code !== 0) failedExports++;
      done(result);
    });
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `overload-${i}` }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
});
const tracers = providers.map((p) => p.getTracer('overload'));
const attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.usage.input_tokens': 812,
  'gen_ai.usage.output_tokens': 97,
  'server.address': 'api.openai.com',
};

let ended = 0;
const t0 = performance.now();
await new Promise((resolve) => {
  const tick = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const due = Math.min(o.secs, elapsed) * o.rate;
    for (; ended < due; ended++) tracers[ended % tracers.length].startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, attributes }).end();
    if (elapsed >= o.secs) resolve();
    else setTimeout(tick, 10);
  };
  tick();
});
const secs = (performance.now() - t0) / 1000;
await Promise.all(providers.map((p) => p.forceFlush()));
await Promise.all(providers.map((p) => p.shutdown()));
process.stdout.write(JSON.stringify({ ended, secs, failedExports }) + '\n');
