/**
 * The published contract of the native JSON API: one JSON Schema (draft 2020-12) per item type,
 * served at `GET /api/v1/schema/traces` and `GET /api/v1/schema/errors`, and the TypeScript shape
 * of an item that passed it.
 *
 * Every field is declared once with its schema, the phrase a validation problem uses
 * ("expected a non-negative integer") and a description, so the schema, the error messages and
 * the README table cannot drift apart. Optional fields also accept `null`, meaning "not given",
 * because clients often serialise absent values that way (Python `None`).
 */

type JsonSchema = Record<string, unknown>;

interface Field {
  schema: JsonSchema;
  /** Completes "expected …" in a validation problem. */
  expected: string;
}

const text: Field = { schema: { type: 'string' }, expected: 'a string' };
const nonEmptyText: Field = { schema: { type: 'string', minLength: 1 }, expected: 'a non-empty string' };
// JSON numbers past 2^53 lose digits when JavaScript parses them.
const count: Field = { schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, expected: 'a non-negative integer' };
const amount: Field = { schema: { type: 'number', minimum: 0 }, expected: 'a non-negative number' };
const timestamp: Field = {
  // `format` constrains only strings and `minimum` only numbers, so no `anyOf` is needed.
  // 8.64e15 ms is the largest instant a JavaScript Date can hold.
  schema: { type: ['string', 'integer'], format: 'date-time', minimum: 0, maximum: 8.64e15 },
  expected: 'an RFC 3339 date-time such as 2024-05-01T12:00:00.000Z, or Unix epoch milliseconds',
};
/** OpenTelemetry ids: fixed-length hex, all-zero is invalid (W3C Trace Context). */
const hexId = (digits: number): Field => ({
  schema: { type: 'string', pattern: `^[0-9a-fA-F]{${digits}}$`, not: { type: 'string', pattern: '^0+$' } },
  expected: `${digits} hex digits, not all zero`,
});
const uuid: Field = {
  schema: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
  expected: 'a UUID (a trace_id returned by oct)',
};
const oneOf = (...values: string[]): Field => ({ schema: { enum: values }, expected: `one of ${values.map((v) => `'${v}'`).join(', ')}` });
const metadata: Field = { schema: { type: 'object' }, expected: 'a JSON object' };
const content: Field = {
  schema: { type: ['string', 'array'], items: { $ref: '#/$defs/chat_message' } },
  expected: 'a string or an array of {role, content} messages',
};

const CHAT_MESSAGE: JsonSchema = {
  type: 'object',
  description: 'A chat message; other keys (name, tool_calls, …) are accepted and not rendered.',
  required: ['role', 'content'],
  properties: { role: { type: 'string', minLength: 1 }, content: { description: 'A string, or any JSON (rendered as compact JSON).' } },
};

/** Field → [shape, description]. Order is the order of the README table. */
const TRACE_FIELDS = {
  model: [nonEmptyText, 'Model name; stored in `model` and `request_model`. Required.'],
  provider: [text, 'Provider, e.g. `openai`, `anthropic`, `aws.bedrock`.'],
  operation: [nonEmptyText, 'Operation, e.g. `chat`, `text_completion`, `embeddings`, `execute_tool`, `invoke_agent`. Default `chat`.'],
  kind: [
    oneOf('llm', 'embedding', 'tool', 'agent', 'retrieval', 'workflow', 'other'),
    'Row kind. Default from `operation` (case-insensitive) by the table used for OTLP `gen_ai.operation.name` (README); else `other`.',
  ],
  input: [
    content,
    'Prompt: a string, or an array of `{role, content}` messages rendered as `role: content` blocks separated by a blank line (non-string content as compact JSON).',
  ],
  output: [content, 'Completion, same form as `input`.'],
  input_tokens: [count, 'Input (prompt) tokens.'],
  output_tokens: [count, 'Output (completion) tokens.'],
  total_tokens: [count, 'Total tokens. Default `input_tokens + output_tokens` when both are given.'],
  cache_read_tokens: [count, 'Input tokens read from the provider cache.'],
  cache_write_tokens: [count, 'Input tokens written to the provider cache.'],
  reasoning_tokens: [count, 'Reasoning tokens.'],
  cost_usd: [amount, 'Cost of the call in US dollars.'],
  start_time: [timestamp, 'When the call started. Default `end_time − duration_ms` (end_time defaulting to the receipt time).'],
  end_time: [timestamp, 'When the call ended. Default `start_time + duration_ms` when a duration is given.'],
  duration_ms: [amount, 'Duration in milliseconds. Default `end_time − start_time` when both are given.'],
  ttft_ms: [amount, 'Time to first token in milliseconds.'],
  status: [oneOf('ok', 'error'), 'Outcome. Default `ok`; `error` also stores an `errors` row linked by `llm_trace_id`.'],
  status_message: [text, 'Error message when `status` is `error`.'],
  error_type: [text, 'Error class or code, e.g. `RateLimitError`.'],
  finish_reasons: [
    { schema: { type: 'array', items: { type: 'string' } }, expected: 'an array of strings' },
    'Finish reasons, e.g. `["stop"]`; stored as a JSON array.',
  ],
  service_name: [text, 'Name of the calling application.'],
  conversation_id: [text, 'Conversation or session id.'],
  user_id: [text, 'End-user id.'],
  tool_name: [text, 'Tool name (tool calls).'],
  agent_name: [text, 'Agent name (agent calls).'],
  otel_trace_id: [hexId(32), 'OpenTelemetry trace id, to join with OTLP data; stored lower-case.'],
  otel_span_id: [hexId(16), 'OpenTelemetry span id; stored lower-case.'],
  otel_parent_span_id: [hexId(16), 'OpenTelemetry parent span id; stored lower-case.'],
  metadata: [metadata, 'Anything else, stored as JSON in `attributes` (bounded by OCT_MAX_ATTRIBUTES_BYTES).'],
} satisfies Record<string, [Field, string]>;

const ERROR_FIELDS = {
  message: [nonEmptyText, 'Error message. Required.'],
  error_type: [text, 'Error class or code, e.g. `TypeError`, `ECONNRESET`.'],
  stacktrace: [text, 'Stack trace.'],
  service_name: [text, 'Name of the application.'],
  occurred_at: [timestamp, 'When the error happened. Default the receipt time.'],
  llm_trace_id: [uuid, 'The `trace_id` oct returned for the LLM call this error belongs to.'],
  otel_trace_id: [hexId(32), 'OpenTelemetry trace id; stored lower-case.'],
  otel_span_id: [hexId(16), 'OpenTelemetry span id; stored lower-case.'],
  metadata: [metadata, 'Anything else, stored as JSON in `attributes`.'],
} satisfies Record<string, [Field, string]>;

/** `null` is accepted wherever a field is optional. */
function nullable(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.enum)) return { ...schema, enum: [...(schema.enum as unknown[]), null] };
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  return { ...schema, type: [...types, 'null'] };
}

function itemSchema(
  title: string,
  description: string,
  fields: Record<string, [Field, string]>,
  required: string[],
  $defs?: JsonSchema,
): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(fields).map(([name, [field, about]]) => {
      const schema = required.includes(name) ? field.schema : nullable(field.schema);
      return [name, { ...schema, description: about }];
    }),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    description,
    type: 'object',
    required,
    properties,
    additionalProperties: false,
    ...($defs && { $defs }),
  };
}

export const traceItemSchema = itemSchema(
  'oct native trace',
  'One LLM, embedding, tool, agent, retrieval or workflow call, posted to POST /api/v1/traces alone or in an array.',
  TRACE_FIELDS,
  ['model'],
  { chat_message: CHAT_MESSAGE },
);

export const errorItemSchema = itemSchema(
  'oct native error',
  'One application error, posted to POST /api/v1/errors alone or in an array.',
  ERROR_FIELDS,
  ['message'],
);

/** The "expected …" phrase of each field (a name both items use has one shape) and of the message parts. */
export const EXPECTED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    [...Object.entries(TRACE_FIELDS), ...Object.entries(ERROR_FIELDS)].map(([name, [field]]) => [name, field.expected]),
  ),
  'finish_reasons[]': 'a string',
  chat_message: 'a {role, content} message',
  role: 'a non-empty string',
};
