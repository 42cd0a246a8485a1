import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('OCT_DATABASE_URL', () => {
  it.each(['postgres://oct:secret@db.internal:5432/oct', 'postgresql://localhost/oct?sslmode=verify-full'])(
    'selects PostgreSQL: %s',
    (url) => {
      expect(loadConfig({ OCT_DATABASE_URL: url })).toMatchObject({ ok: true, config: { databaseUrl: url } });
    },
  );

  it('is unset by default: the SQLite file', () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { databaseUrl: null, dbPath: './oct.db' } });
  });

  it('refuses another scheme or an unknown sslmode without showing the password', () => {
    const result = loadConfig({ OCT_DATABASE_URL: 'mysql://oct:secret@db/oct' });
    expect(result.ok).toBe(false);
    const [line] = (result as { errors: string[] }).errors;
    expect(line).toMatch(/^OCT_DATABASE_URL is invalid: expected a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(line).toContain("(actual: 'mysql://oct:***@db/oct')");
    expect(loadConfig({ OCT_DATABASE_URL: 'postgres://db/oct?sslmode=sometimes' }).ok).toBe(false);
  });

  it('is a start-up error together with an explicit OCT_DB_PATH', () => {
    expect(loadConfig({ OCT_DATABASE_URL: 'postgres://db/oct', OCT_DB_PATH: './oct.db' })).toEqual({
      ok: false,
      errors: ['OCT_DATABASE_URL and OCT_DB_PATH are both set: set OCT_DATABASE_URL for PostgreSQL or OCT_DB_PATH for SQLite, not both'],
    });
  });
});
