/**
 * finish_reasons: a JSON array of the raw provider values (`["stop"]`, `["tool_calls"]`), one
 * per choice, from the first source that has any.
 */
import { cutText } from '../model/text.js';
import { isRecord, toStr } from './attributes.js';
import { CHOICE_EVENT } from './carriers.js';
import { MAX_ITEMS_PER_SPAN as MAX_ITEMS } from '../model/limits.js';
import type { SpanView } from './span-view.js';

/** A finish reason is a short code; anything longer is cut so the JSON stays small. */
const MAX_REASON_BYTES = 256;
const SINGLE_REASON_KEYS = [
  'gen_ai.response.finish_reason',
  'llm.response.finish_reason',
  'llm.response.stop_reason',
  'ai.response.finishReason',
];

const SOURCES: readonly ((view: SpanView) => string[])[] = [
  (view) => reasonsIn(view.json('gen_ai.response.finish_reasons')),
  (view) => fieldOfEach(view.json('gen_ai.output.messages'), 'finish_reason'),
  (view) => reasonsIn(view.attrs.get('llm.finish_reason')),
  (view) => fieldOfEach(view.items('gen_ai.completion.'), 'finish_reason'),
  (view) => SINGLE_REASON_KEYS.flatMap((key) => reasonsIn(view.attrs.get(key))).slice(0, 1),
  (view) => view.eventsNamed(CHOICE_EVENT).flatMap((event) => reasonsIn(event.attributes.get('finish_reason'))),
];

export function finishReasonsOf(view: SpanView): string | null {
  for (const source of SOURCES) {
    const reasons = source(view);
    if (reasons.length > 0) return JSON.stringify(reasons);
  }
  return null;
}

/** A list of reasons or a single one. */
function reasonsIn(value: unknown): string[] {
  const list = Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [value];
  return list.map((item) => cutText(toStr(item), MAX_REASON_BYTES)).filter((reason): reason is string => reason !== null);
}

function fieldOfEach(items: unknown, field: string): string[] {
  return Array.isArray(items) ? items.flatMap((item) => (isRecord(item) ? reasonsIn(item[field]) : [])) : [];
}
