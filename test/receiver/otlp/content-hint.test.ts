import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { PipelineEvent } from '../../../src/model/events.js';
import { ContentHint } from '../../../src/receiver/otlp/content-hint.js';
import { traceEvent } from '../../factories.js';

function setup() {
  const lines: string[] = [];
  let now = 0;
  let logs = 0;
  const hint = new ContentHint({
    minSpans: 3,
    minSpanMs: 1_000,
    logsArrived: () => logs > 0,
    logger: createLogger('info', (line) => lines.push(line)),
    now: () => now,
  });
  return { hint, lines, advance: (ms: number) => (now += ms), logArrives: () => logs++ };
}

const call = (scope: string, text: Partial<{ input_text: string; output_text: string }> = {}): PipelineEvent[] => [
  traceEvent({ kind: 'llm', scope_name: scope, input_text: null, output_text: null, ...text }),
];

const OPENAI = '@opentelemetry/instrumentation-openai';

describe('the content hint', () => {
  it('logs once when calls from a content-as-logs scope keep arriving without content and no log record has', () => {
    const { hint, lines, advance } = setup();
    hint.observe(call(OPENAI));
    hint.observe(call(OPENAI));
    hint.observe(call(OPENAI)); // enough calls, but not yet over long enough
    expect(lines).toEqual([]);
    advance(1_000);
    hint.observe(call(OPENAI));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`4 model calls from ${OPENAI} arrived without prompt or completion`);
    expect(lines[0]).toContain('OTEL_LOGS_EXPORTER=otlp');
    expect(lines[0]).toContain('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true');
    advance(60_000);
    for (let i = 0; i < 10; i++) hint.observe(call(OPENAI));
    expect(lines).toHaveLength(1);
  });

  it('stays silent once a log record has arrived, for calls with content, and for scopes that carry content on the span', () => {
    const quiet = [
      (s: ReturnType<typeof setup>) => (s.logArrives(), call(OPENAI)),
      () => call(OPENAI, { input_text: 'user: hi' }),
      () => call('opentelemetry.instrumentation.openai'), // OpenLLMetry: content on the span, or off
    ];
    for (const events of quiet) {
      const s = setup();
      for (let i = 0; i < 5; i++) {
        s.hint.observe(events(s));
        s.advance(1_000);
      }
      expect(s.lines).toEqual([]);
    }
  });
});
