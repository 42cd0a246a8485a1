import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  it('uses the product defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({ ok: true, config: defaultConfig() });
    expect(defaultConfig()).toMatchObject({
      host: '127.0.0.1',
      port: 4318,
      grpcPort: 4317,
      dbPath: './oct.db',
      maxTextBytes: 65_536,
      queueCapacity: 512,
      batchMaxRows: 50,
      batchTimeoutMs: 500,
      maxBodyBytes: 64 * 1024 * 1024,
      errorsFrom: 'all',
      pendingContentTtlS: 600,
    });
  });

  it('reads every OCT_ variable', () => {
    const result = loadConfig({
      OCT_HOST: '0.0.0.0',
      OCT_PORT: '9999',
      OCT_GRPC_PORT: 'OFF',
      OCT_DB_PATH: '/tmp/x.db',
      OCT_MAX_TEXT_BYTES: '100',
      OCT_MAX_ATTRIBUTES_BYTES: '2048',
      OCT_MAX_BODY_BYTES: '4096',
      OCT_QUEUE_CAPACITY: '64',
      OCT_BATCH_MAX_ROWS: '8',
      OCT_BATCH_TIMEOUT_MS: '20',
      OCT_SHUTDOWN_TIMEOUT_MS: '1000',
      OCT_ADMISSION_WAIT_MS: '250',
      OCT_PENDING_CONTENT_TTL_S: '30',
      OCT_RETENTION_DAYS: '0',
      OCT_MAX_DB_MB: '512',
      OCT_MIN_FREE_DISK_MB: '64',
      OCT_ACK: 'commit',
      OCT_ERRORS_FROM: 'genai',
      OCT_PRICING_FILE: '/tmp/prices.json',
      OCT_API_KEY: 'k1, k2',
      OCT_AUTH: 'KEY',
      OCT_CORS_ORIGINS: 'https://app.example, http://localhost:5173',
      OCT_LOG_LEVEL: 'warn',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        host: '0.0.0.0',
        port: 9999,
        grpcPort: 'off',
        dbPath: '/tmp/x.db',
        databaseUrl: null,
        maxTextBytes: 100,
        maxAttributesBytes: 2048,
        maxBodyBytes: 4096,
        queueCapacity: 64,
        batchMaxRows: 8,
        batchTimeoutMs: 20,
        shutdownTimeoutMs: 1000,
        admissionWaitMs: 250,
        retentionDays: 0,
        maxDbMb: 512,
        minFreeDiskMb: 64,
        ack: 'commit',
        pendingContentTtlS: 30,
        errorsFrom: 'genai',
        pricingFile: '/tmp/prices.json',
        apiKeys: ['k1', 'k2'],
        apiKeyFile: null,
        auth: 'key',
        tlsCertFile: null,
        tlsKeyFile: null,
        corsOrigins: ['https://app.example', 'http://localhost:5173'],
        logLevel: 'warn',
      },
    });
  });

  it.each([
    ['OCT_PORT', 'abc', "OCT_PORT is invalid: expected an integer from 0 to 65535 (actual: 'abc')"],
    ['OCT_PORT', '70000', "OCT_PORT is invalid: expected an integer from 0 to 65535 (actual: '70000')"],
    ['OCT_GRPC_PORT', 'on', "OCT_GRPC_PORT is invalid: expected an integer from 0 to 65535 or 'off' (actual: 'on')"],
    ['OCT_MAX_TEXT_BYTES', '-1', "OCT_MAX_TEXT_BYTES is invalid: expected an integer from 1 to 1073741824 (actual: '-1')"],
    ['OCT_QUEUE_CAPACITY', '1.5', "OCT_QUEUE_CAPACITY is invalid: expected an integer from 1 to 1000000 (actual: '1.5')"],
    ['OCT_RETENTION_DAYS', '-3', "OCT_RETENTION_DAYS is invalid: expected an integer from 0 to 36500 (days) (actual: '-3')"],
    ['OCT_MAX_DB_MB', '1GB', "OCT_MAX_DB_MB is invalid: expected an integer from 0 to 1073741824 (MiB) (actual: '1GB')"],
    ['OCT_MIN_FREE_DISK_MB', 'lots', "OCT_MIN_FREE_DISK_MB is invalid: expected an integer from 0 to 1073741824 (MiB) (actual: 'lots')"],
    ['OCT_ACK', 'always', "OCT_ACK is invalid: expected 'queue' or 'commit' (actual: 'always')"],
    [
      'OCT_PENDING_CONTENT_TTL_S',
      '0',
      "OCT_PENDING_CONTENT_TTL_S is invalid: expected an integer from 1 to 604800 (seconds) (actual: '0')",
    ],
    ['OCT_ERRORS_FROM', 'some', "OCT_ERRORS_FROM is invalid: expected 'all' or 'genai' (actual: 'some')"],
  ])('rejects %s=%s with one clear line', (name, value, message) => {
    expect(loadConfig({ [name]: value })).toEqual({ ok: false, errors: [message] });
  });

  it('rejects a batch larger than the queue', () => {
    expect(loadConfig({ OCT_QUEUE_CAPACITY: '10', OCT_BATCH_MAX_ROWS: '50' })).toEqual({
      ok: false,
      errors: ["OCT_BATCH_MAX_ROWS is invalid: expected at most OCT_QUEUE_CAPACITY (10) (actual: '50')"],
    });
  });

  it('documents every OCT_ setting in README.md', () => {
    const source = fs.readFileSync(new URL('../../src/config/settings.ts', import.meta.url), 'utf8');
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const names = new Set(source.match(/OCT_[A-Z_]+/g));
    expect(names.size).toBeGreaterThanOrEqual(12);
    for (const name of names) expect(readme, `${name} missing from README`).toContain(`\`${name}\``);
  });
});
