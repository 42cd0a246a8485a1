import { describe, expect, it } from 'vitest';
import { SHORT_FIELD_BYTES } from '../../src/model/text.js';
import { startOct } from '../helpers.js';
import { chatSpan, post as postOtlp, tracesRequest } from '../logs-fixture.js';
import { post, rowsOf } from '../receiver/native/native-fixture.js';

// 'é' is two UTF-8 bytes: 600 of them cannot be cut at 1024 bytes without a boundary check.
const LONG_NAME = 'é'.repeat(600);

describe('short fields', () => {
  it('keep their own bound however small OCT_MAX_TEXT_BYTES is; only the long texts are cut by it', async () => {
    const oct = await startOct({ maxTextBytes: 10 });
    const native = await post(oct.url, '/api/v1/traces', {
      model: 'gpt-4o-mini',
      provider: 'openai',
      service_name: 'billing-service',
      user_id: LONG_NAME,
      input: 'What is the capital of France?',
      status: 'error',
      status_message: 'Rate limit reached for gpt-4o-mini',
    });
    expect(native.status).toBe(202);
    const span = chatSpan(1, { name: 'chat gpt-4o-mini' }, { 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18' });
    expect((await postOtlp(oct.url, '/v1/traces', tracesRequest([span], 'weather-bot-service'))).status).toBe(200);

    const traces = await rowsOf(oct.db, 'traces', 2);
    const byConvention: Record<string, Record<string, unknown>> = Object.fromEntries(traces.map((r) => [String(r.convention), r]));
    expect(byConvention.native).toMatchObject({
      model: 'gpt-4o-mini',
      request_model: 'gpt-4o-mini',
      provider: 'openai',
      service_name: 'billing-service',
      status_message: 'Rate limit reached for gpt-4o-mini',
      input_text: 'What is th',
      input_bytes: 30,
    });
    const userId = byConvention.native.user_id as string;
    expect(Buffer.byteLength(userId)).toBe(SHORT_FIELD_BYTES);
    expect(userId).toBe('é'.repeat(SHORT_FIELD_BYTES / 2));
    expect(byConvention.otel).toMatchObject({
      model: 'gpt-4o-mini-2024-07-18',
      request_model: 'gpt-4o-mini',
      service_name: 'weather-bot-service',
      span_name: 'chat gpt-4o-mini',
    });
    const [error] = await rowsOf(oct.db, 'errors', 1);
    // The errors row's message is a long text: OCT_MAX_TEXT_BYTES applies to it.
    expect(error).toMatchObject({ message: 'Rate limit', service_name: 'billing-service' });
  });
});
