import type { LogLevel } from '../logger.js';
import { accessErrors } from './access.js';
import { SETTINGS } from './settings.js';

/**
 * oct's settings: `OCT_*` environment variables with defaults, validated at start-up.
 * Each is parsed as `SETTINGS` (settings.ts) says.
 */

/**
 * Bytes of OCT_MAX_INFLIGHT_MB a request may reserve per byte of OCT_MAX_BODY_BYTES: its raw and
 * inflated bytes and the estimate of its decoded events (src/receiver/inflight-budget.ts). The budget
 * must hold this many of the largest bodies, or such a body could never be admitted.
 */
export const INFLIGHT_BYTES_PER_BODY_BYTE = 4;

export type AckMode = 'queue' | 'commit';

export interface Config {
  /** Interface to listen on (OCT_HOST). */
  host: string;
  /** TCP port; 0 picks a free one (OCT_PORT). */
  port: number;
  /** OTLP/gRPC port on `host`; 0 picks a free one, `off` serves no gRPC (OCT_GRPC_PORT). */
  grpcPort: number | 'off';
  /** SQLite database file; its folder is created if missing (OCT_DB_PATH). */
  dbPath: string;
  /** A PostgreSQL connection URL: when set, oct writes there instead of the SQLite file (OCT_DATABASE_URL). */
  databaseUrl: string | null;
  /** Byte limit of stored input/output text, error messages and stack traces (OCT_MAX_TEXT_BYTES). */
  maxTextBytes: number;
  /** Byte limit of each stored `attributes` / `resource_attributes` JSON (OCT_MAX_ATTRIBUTES_BYTES). */
  maxAttributesBytes: number;
  /** Request body limit, raw and decompressed (OCT_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Open HTTP connections at most; connections past it are closed at once and counted (OCT_MAX_CONNECTIONS). */
  maxConnections: number;
  /** MiB that the requests in flight may hold at once: bodies as read and inflated, decoded events; past it, 503 (OCT_MAX_INFLIGHT_MB). */
  maxInflightMb: number;
  /** Events admitted but not yet written (OCT_QUEUE_CAPACITY). */
  queueCapacity: number;
  /** A batch is written when it holds this many events (OCT_BATCH_MAX_ROWS)… */
  batchMaxRows: number;
  /** …or this long after its first event arrived (OCT_BATCH_TIMEOUT_MS). */
  batchTimeoutMs: number;
  /** How long a request may wait for room in a full queue before it is refused with 503 (OCT_ADMISSION_WAIT_MS). */
  admissionWaitMs: number;
  /** How long shutdown may take to drain before giving up (OCT_SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /**
   * Seconds GenAI content sent as log records is kept after its span's last record; content
   * still waiting for its span then is dropped and counted (OCT_PENDING_CONTENT_TTL_S).
   */
  pendingContentTtlS: number;
  /** `traces` and `errors` rows older than this many days are deleted; 0 keeps everything (OCT_RETENTION_DAYS). */
  retentionDays: number;
  /** Past this many MiB of database the oldest rows are deleted until it is 10 % under; 0 is no cap (OCT_MAX_DB_MB). */
  maxDbMb: number;
  /** With less free space than this (MiB) on the database's file system, oct refuses writes with 503 (OCT_MIN_FREE_DISK_MB). */
  minFreeDiskMb: number;
  /** `queue`: answer once admitted to the queue; `commit`: once the request's rows are committed, synchronous=FULL (OCT_ACK). */
  ack: AckMode;
  /** Which spans produce error rows: every span, or GenAI spans only (OCT_ERRORS_FROM). */
  errorsFrom: 'all' | 'genai';
  /** The user's price table, consulted before the shipped one (OCT_PRICING_FILE). */
  pricingFile: string | null;
  /** Keys a request must present (`Authorization: Bearer …` or `x-api-key`); several while rotating (OCT_API_KEY). */
  apiKeys: string[];
  /** A file of API keys, instead of OCT_API_KEY (OCT_API_KEY_FILE); `apiKeysOf` reads it. */
  apiKeyFile: string | null;
  /** `key`: beyond loopback only with API keys; `none`: the explicit opt-out for a trusted network (OCT_AUTH). */
  auth: 'key' | 'none';
  /** PEM certificate (chain) and its private key: HTTPS and TLS on gRPC; both or neither (OCT_TLS_CERT_FILE, OCT_TLS_KEY_FILE). */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  /** Browser origins given CORS headers; `*` is any; empty: no CORS headers (OCT_CORS_ORIGINS). */
  corsOrigins: string[];
  /** `debug` also every refused request (with what a library said about a body it could not read); `info` lifecycle events, failures and summaries of refusals; `warn` only problems; `silent` nothing (OCT_LOG_LEVEL). */
  logLevel: LogLevel;
}

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 4318,
    grpcPort: 4317,
    dbPath: './oct.db',
    databaseUrl: null,
    maxTextBytes: 65_536,
    maxAttributesBytes: 16_384,
    maxBodyBytes: 64 * 1024 * 1024,
    maxConnections: 1024,
    maxInflightMb: 256,
    queueCapacity: 512,
    batchMaxRows: 50,
    batchTimeoutMs: 500,
    admissionWaitMs: 4_000,
    shutdownTimeoutMs: 10_000,
    pendingContentTtlS: 600,
    retentionDays: 30,
    maxDbMb: 0,
    minFreeDiskMb: 256,
    ack: 'queue',
    errorsFrom: 'all',
    pricingFile: null,
    apiKeys: [],
    apiKeyFile: null,
    auth: 'key',
    tlsCertFile: null,
    tlsKeyFile: null,
    corsOrigins: [],
    logLevel: 'info',
  };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

type Env = Record<string, string | undefined>;

/**
 * Reads `OCT_*` from `env`, each overridden by its command-line flag in `flags` (keyed by flag
 * name); unset or empty values keep their defaults. An invalid value is named as it was given.
 */
export function loadConfig(env: Env = process.env, flags: Env = {}): ConfigResult {
  const config = defaultConfig();
  const errors: string[] = [];
  for (const s of SETTINGS) {
    const [name, raw] = flags[s.flag] !== undefined ? [`--${s.flag}`, flags[s.flag]] : [s.env, env[s.env]];
    if (!isSet(raw)) continue;
    if (!s.apply(config, raw.trim())) errors.push(`${name} is invalid: expected ${s.expected} (actual: '${s.shown(raw)}')`);
  }
  // OCT_DB_PATH has a default, so only an explicit one conflicts.
  if (config.databaseUrl !== null && (isSet(env.OCT_DB_PATH) || isSet(flags.db))) {
    errors.push('OCT_DATABASE_URL and OCT_DB_PATH are both set: set OCT_DATABASE_URL for PostgreSQL or OCT_DB_PATH for SQLite, not both');
  }
  if (errors.length === 0 && config.batchMaxRows > config.queueCapacity) {
    errors.push(
      `OCT_BATCH_MAX_ROWS is invalid: expected at most OCT_QUEUE_CAPACITY (${config.queueCapacity}) (actual: '${config.batchMaxRows}')`,
    );
  }
  const leastInflightMb = Math.ceil((INFLIGHT_BYTES_PER_BODY_BYTE * config.maxBodyBytes) / MIB);
  if (errors.length === 0 && config.maxInflightMb < leastInflightMb) {
    errors.push(
      `OCT_MAX_INFLIGHT_MB is invalid: expected at least ${INFLIGHT_BYTES_PER_BODY_BYTE} × OCT_MAX_BODY_BYTES (${leastInflightMb}), so the largest request fits (actual: '${config.maxInflightMb}')`,
    );
  }
  if (errors.length === 0) errors.push(...accessErrors(config));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}

const MIB = 1024 * 1024;

const isSet = (raw: string | undefined): raw is string => raw !== undefined && raw.trim() !== '';
