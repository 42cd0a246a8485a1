import { describe, expect, it } from 'vitest';
import { BLOCK_SEPARATOR, CHOICE_SEPARATOR } from '../../src/model/content.js';
import { planContentJoin, type HeldContent } from '../../src/model/content-join.js';
import { MAX_ITEMS_PER_SPAN } from '../../src/model/limits.js';

const record = (blocks: Partial<HeldContent> = {}): HeldContent => ({
  joined: false,
  kind: 'content',
  system: [],
  input: [],
  output: [],
  ...blocks,
});
const empty = { hasInput: false, hasOutput: false };

describe('planContentJoin', () => {
  it('does nothing when no record is waiting', () => {
    expect(planContentJoin([], empty)).toBeNull();
    expect(planContentJoin([record({ joined: true, input: ['user: hi'] })], empty)).toBeNull();
  });

  it('fills both directions of a span without text, system instructions first', () => {
    const plan = planContentJoin(
      [record({ input: ['user: hi'], output: ['assistant: hello'] }), record({ system: ['system: be brief'], output: ['assistant: bye'] })],
      empty,
    );
    expect(plan).toEqual({
      input: { action: 'write', text: ['system: be brief', 'user: hi'].join(BLOCK_SEPARATOR) },
      output: { action: 'write', text: ['assistant: hello', 'assistant: bye'].join(CHOICE_SEPARATOR) },
      superseded: 0,
      linkErrors: false,
    });
  });

  it("keeps the span's own text per direction and counts each dropped record once", () => {
    const records = [record({ input: ['user: hi'], output: ['assistant: hello'] }), record({ output: ['assistant: more'] })];
    expect(planContentJoin(records, { hasInput: true, hasOutput: false })).toEqual({
      input: { action: 'drop' },
      output: { action: 'write', text: ['assistant: hello', 'assistant: more'].join(CHOICE_SEPARATOR) },
      superseded: 1,
      linkErrors: false,
    });
    expect(planContentJoin(records, { hasInput: true, hasOutput: true })).toMatchObject({
      input: { action: 'drop' },
      output: { action: 'drop' },
      superseded: 2,
    });
  });

  it('leaves a direction no waiting record has content for', () => {
    expect(planContentJoin([record({ output: ['assistant: hello'] })], empty)).toMatchObject({
      input: { action: 'keep' },
      output: { action: 'write', text: 'assistant: hello' },
    });
    // The span's text stays; nothing of the record is superseded.
    expect(planContentJoin([record({ output: ['assistant: hello'] })], { hasInput: true, hasOutput: false })).toMatchObject({
      input: { action: 'drop' },
      superseded: 0,
    });
  });

  it('re-renders a direction log content already owns from every record, joined ones included', () => {
    const plan = planContentJoin([record({ joined: true, input: ['user: first'] }), record({ input: ['user: second'] })], {
      hasInput: true,
      hasOutput: false,
    });
    expect(plan).toMatchObject({ input: { action: 'write', text: ['user: first', 'user: second'].join(BLOCK_SEPARATOR) }, superseded: 0 });
  });

  it("keeps dropping a direction whose text is the span's own, after an earlier join", () => {
    const plan = planContentJoin([record({ joined: true, output: ['assistant: a'] }), record({ input: ['user: late'] })], {
      hasInput: true,
      hasOutput: true,
    });
    expect(plan).toMatchObject({ input: { action: 'drop' }, output: { action: 'drop' }, superseded: 1 });
  });

  it('links exceptions when an exception record is waiting', () => {
    expect(planContentJoin([record({ kind: 'exception' })], empty)).toEqual({
      input: { action: 'keep' },
      output: { action: 'keep' },
      superseded: 0,
      linkErrors: true,
    });
    expect(planContentJoin([record({ joined: true, kind: 'exception' }), record({ input: ['user: hi'] })], empty)).toMatchObject({
      linkErrors: false,
    });
  });

  it(`uses the first ${MAX_ITEMS_PER_SPAN} records only`, () => {
    const joined = Array.from({ length: MAX_ITEMS_PER_SPAN }, (_, i) => record({ joined: true, input: [`user: ${i}`] }));
    expect(planContentJoin([...joined, record({ input: ['user: over'] })], empty)).toBeNull();
    const plan = planContentJoin([record({ input: ['user: new'] }), ...joined], empty);
    expect(plan?.input).toMatchObject({ action: 'write' });
    expect(plan?.input.action === 'write' && plan.input.text?.split(BLOCK_SEPARATOR)).toHaveLength(MAX_ITEMS_PER_SPAN);
  });
});
