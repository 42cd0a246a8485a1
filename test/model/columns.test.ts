import { describe, expect, it } from 'vitest';
import { ERRORS_TABLE, TRACES_TABLE, type Columns } from '../../src/model/columns.js';
import type { ErrorRow, TraceRow } from '../../src/model/events.js';
import { errorEvent, traceEvent } from '../factories.js';

const fieldsOf = (row: object) => Object.keys(row).sort();
const boundBy = (table: object) =>
  Object.entries(table as Record<string, { insertTime?: true }>)
    .filter(([, c]) => !c.insertTime)
    .map(([name]) => name)
    .sort();

describe('the column lists', () => {
  it('bind every field of a row, and set created_at themselves', () => {
    expect(boundBy(TRACES_TABLE)).toEqual(fieldsOf(traceEvent().row));
    expect(boundBy(ERRORS_TABLE)).toEqual(fieldsOf(errorEvent().row));
    expect(TRACES_TABLE.created_at).toMatchObject({ insertTime: true });
    expect(ERRORS_TABLE.created_at).toMatchObject({ insertTime: true });
  });

  it('do not compile when a list and its row type disagree', () => {
    // The checks are tsc's (`npx tsc -p test`); at run time these expressions only build objects.
    const { model: _model, ...withoutModel } = TRACES_TABLE;
    // @ts-expect-error a row field without a column
    expect(withoutModel satisfies Columns<TraceRow>).toBeDefined();
    // @ts-expect-error a column without a row field
    expect({ ...TRACES_TABLE, extra: { type: 'TEXT' } } satisfies Columns<TraceRow>).toBeDefined();
    // @ts-expect-error an SQL type that does not fit the field
    expect({ ...ERRORS_TABLE, message: { type: 'INTEGER' } } satisfies Columns<ErrorRow>).toBeDefined();
    // @ts-expect-error NOT NULL on a nullable field
    expect({ ...ERRORS_TABLE, message: { type: 'TEXT', notNull: true } } satisfies Columns<ErrorRow>).toBeDefined();
    // @ts-expect-error a value the row type does not allow
    expect({ ...ERRORS_TABLE, origin: { type: 'TEXT', notNull: true, oneOf: ['other'] } } satisfies Columns<ErrorRow>).toBeDefined();
  });
});
