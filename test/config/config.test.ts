import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiKeysOf } from '../../src/config/access.js';
import { defaultConfig, loadConfig } from '../../src/config/config.js';
import { matching } from '../receiver/matchers.js';

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
      OCT_MAX_CONNECTIONS: '16',
      OCT_MAX_INFLIGHT_MB: '300',
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
        maxConnections: 16,
        maxInflightMb: 300,
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
    ['OCT_MAX_CONNECTIONS', '0', "OCT_MAX_CONNECTIONS is invalid: expected an integer from 1 to 1000000 (actual: '0')"],
    ['OCT_LOG_LEVEL', 'trace', "OCT_LOG_LEVEL is invalid: expected 'debug', 'info', 'warn' or 'silent' (actual: 'trace')"],
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

describe('access settings', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oct-access-'));
  const REFUSAL =
    'OCT_HOST=0.0.0.0 is not a loopback address and no API key is set: set OCT_API_KEY (or OCT_API_KEY_FILE) so clients must present a key, or OCT_AUTH=none to accept anyone who can reach the port (a trusted network only)';

  it('refuses a listener beyond loopback without a key, in one line naming OCT_API_KEY and OCT_AUTH=none', () => {
    expect(loadConfig({ OCT_HOST: '0.0.0.0' })).toEqual({ ok: false, errors: [REFUSAL] });
    expect(loadConfig({ OCT_HOST: '0.0.0.0', OCT_AUTH: 'none' })).toMatchObject({ ok: true, config: { auth: 'none', apiKeys: [] } });
    expect(loadConfig({ OCT_HOST: '0.0.0.0', OCT_API_KEY: 'k' })).toMatchObject({ ok: true, config: { apiKeys: ['k'] } });
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(loadConfig({ OCT_HOST: host }).ok, host).toBe(true);
  });

  it('never shows a key, not even an invalid one', () => {
    expect(loadConfig({ OCT_API_KEY: 'good, bad key' })).toEqual({
      ok: false,
      errors: ["OCT_API_KEY is invalid: expected one key or several separated by commas, each of visible ASCII characters (actual: '***')"],
    });
    expect(loadConfig({ OCT_API_KEY: ' , ' }).ok).toBe(false);
  });

  it('reads keys from OCT_API_KEY_FILE, one per line or comma-separated; not together with OCT_API_KEY or OCT_AUTH=none', () => {
    const file = path.join(dir(), 'keys');
    fs.writeFileSync(file, 'first-key\r\n\n second-key , third-key\n');
    const loaded = loadConfig({ OCT_API_KEY_FILE: file, OCT_HOST: '0.0.0.0' });
    expect(loaded.ok && apiKeysOf(loaded.config)).toEqual(['first-key', 'second-key', 'third-key']);
    expect(loadConfig({ OCT_API_KEY_FILE: file, OCT_API_KEY: 'k' })).toEqual({
      ok: false,
      errors: ['OCT_API_KEY and OCT_API_KEY_FILE are both set: set one of them'],
    });
    expect(loadConfig({ OCT_API_KEY_FILE: file, OCT_AUTH: 'none' })).toEqual({
      ok: false,
      errors: ['OCT_AUTH=none turns API keys off, but OCT_API_KEY_FILE is set: unset one'],
    });
    fs.writeFileSync(file, '\n\n');
    expect(loadConfig({}, { 'api-key-file': file })).toEqual({
      ok: false,
      errors: ['OCT_API_KEY_FILE holds no valid key: expected keys of visible ASCII characters, one per line or comma-separated'],
    });
    expect(loadConfig({ OCT_API_KEY_FILE: path.join(dir(), 'missing') })).toEqual({
      ok: false,
      errors: [matching(/^OCT_API_KEY_FILE cannot be read: ENOENT: no such file or directory/)],
    });
  });

  it('takes both TLS files or neither, and stops on files that are not a certificate and its key', () => {
    const d = dir();
    const pem = path.join(d, 'not.pem');
    fs.writeFileSync(pem, 'not a certificate');
    expect(loadConfig({ OCT_TLS_CERT_FILE: pem })).toEqual({
      ok: false,
      errors: ['OCT_TLS_CERT_FILE is set without OCT_TLS_KEY_FILE: set both (a certificate and its private key) or neither'],
    });
    expect(loadConfig({ OCT_TLS_KEY_FILE: pem })).toEqual({
      ok: false,
      errors: ['OCT_TLS_KEY_FILE is set without OCT_TLS_CERT_FILE: set both (a certificate and its private key) or neither'],
    });
    expect(loadConfig({ OCT_TLS_CERT_FILE: pem, OCT_TLS_KEY_FILE: pem })).toEqual({
      ok: false,
      errors: [matching(/^OCT_TLS_CERT_FILE and OCT_TLS_KEY_FILE are not a PEM certificate and its private key: /)],
    });
    expect(loadConfig({ OCT_TLS_CERT_FILE: path.join(d, 'none.pem'), OCT_TLS_KEY_FILE: pem })).toEqual({
      ok: false,
      errors: [matching(/^OCT_TLS_CERT_FILE cannot be read: ENOENT/)],
    });
  });

  it('takes CORS origins as a comma list or *, and refuses what is not an origin', () => {
    expect(loadConfig({ OCT_CORS_ORIGINS: '*' })).toMatchObject({ ok: true, config: { corsOrigins: ['*'] } });
    expect(loadConfig({ OCT_CORS_ORIGINS: 'https://app.example/' })).toEqual({
      ok: false,
      errors: [
        "OCT_CORS_ORIGINS is invalid: expected '*' or comma-separated origins such as https://app.example (actual: 'https://app.example/')",
      ],
    });
  });
});
