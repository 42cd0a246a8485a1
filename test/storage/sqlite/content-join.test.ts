import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ContentRow, PipelineEvent } from '../../../src/model/events.js';
import { traceEvent } from '../../factories.js';
import { openExporter } from './exporter-fixture.js';
import { SCHEMA_VERSION } from '../../../src/storage/sqlite/schema.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = '00f067aa0ba902b7';

function content(overrides: Partial<ContentRow> = {}): PipelineEvent {
  return {
    type: 'content',
    row: {
      trace_id: randomUUID(),
      otel_trace_id: TRACE,
      otel_span_id: SPAN,
      record_key: randomUUID(),
      time_unix_nano: 1n,
      system: [],
      input: ['user: hi'],
      output: [],
      error: null,
      fromSpan: false,
      ...overrides,
    },
  };
}
const span = () =>
  traceEvent({
    source: 'otlp',
    otel_trace_id: TRACE,
    otel_span_id: SPAN,
    input_text: null,
    input_bytes: null,
    output_text: null,
    output_bytes: null,
  });

describe('log-borne content in the SQLite exporter', () => {
  it('joins content and its span written in one batch, even when another row of the batch is refused', async () => {
    const { exporter, dbPath } = await openExporter();
    const bad = traceEvent({ kind: 'bogus' as never });
    const result = await exporter.export([
      content(),
      bad,
      span(),
      content({ input: [], output: ['assistant: hello'], time_unix_nano: 2n }),
    ]);
    expect(result).toEqual({
      persisted: 3,
      failed: 1,
      duplicates: 0,
      written: { traces: 1, errors: 0 },
      seconds: expect.any(Number) as number,
    });
    expect(exporter.contentStats()).toEqual({ pending: 0, joined: 2, superseded: 0, expired: 0 });
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT input_text, input_bytes, output_text, output_bytes FROM traces').get()).toEqual({
      input_text: 'user: hi',
      input_bytes: 8,
      output_text: 'assistant: hello',
      output_bytes: 16,
    });
    db.close();
    await exporter.shutdown();
  });

  it('keeps waiting content across a restart, and migrates a version-1 database', async () => {
    const { exporter, dbPath } = await openExporter();
    await exporter.export([content()]);
    await exporter.shutdown();

    const again = await openExporter({ dbPath });
    expect(again.exporter.contentStats()).toMatchObject({ pending: 1 });
    await again.exporter.export([span()]);
    expect(again.exporter.contentStats()).toMatchObject({ pending: 0, joined: 1 });
    await again.exporter.shutdown();

    // Back to schema version 1: the upgrade adds the table (and the later indexes) and keeps the rows.
    const db = new Database(dbPath);
    db.exec(
      'DROP TABLE pending_content; DROP INDEX traces_conversation_time; DROP INDEX traces_user_time; DROP INDEX errors_otel_trace_time; ' +
        'DROP VIEW llm_calls; DROP VIEW errors_recent; ALTER TABLE traces DROP COLUMN cost_source; ' +
        'DROP INDEX traces_asked_model_time; CREATE INDEX traces_model_time ON traces (model, start_time)',
    );
    db.pragma('user_version = 1');
    db.close();
    const upgraded = await openExporter({ dbPath });
    await upgraded.exporter.export([content({ otel_span_id: '0000000000000002' })]);
    expect(upgraded.exporter.contentStats()).toMatchObject({ pending: 1 });
    await upgraded.exporter.shutdown();
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT input_text FROM traces').get()).toEqual({ input_text: 'user: hi' });
    check.close();
  });
});
