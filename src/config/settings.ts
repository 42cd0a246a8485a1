import type { Config } from './config.js';

/**
 * The one table of oct's settings. Start-up validation, README's "Configuration" table (a test
 * keeps them in step) and, later, command-line flags all come from here, so they cannot drift.
 */
export interface Setting {
  /** The environment variable, e.g. `OCT_PORT`. */
  readonly env: string;
  /** The command-line flag without dashes, e.g. `port`. */
  readonly flag: string;
  readonly key: keyof Config;
  /** What a valid value looks like, for the error line and the help text. */
  readonly expected: string;
  /** One line for the help text. */
  readonly summary: string;
  /** `raw` as the error line may show it (a password in a URL is not). */
  readonly shown: (raw: string) => string;
  /** Parses and applies `raw`; false when `raw` is not a valid value. */
  readonly apply: (config: Config, raw: string) => boolean;
}

interface Parser<T> {
  readonly expected: string;
  readonly shown?: (raw: string) => string;
  readonly parse: (raw: string) => T | undefined;
}

export const text = (expected: string): Parser<string> => ({ expected, parse: (raw) => raw });

export const int = (min: number, max: number, unit?: string): Parser<number> => ({
  expected: `an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}`,
  parse: (raw) => {
    if (!/^\d+$/.test(raw)) return undefined;
    const n = Number(raw);
    return n >= min && n <= max ? n : undefined;
  },
});

/** A TCP port, or `off`. */
export const portOrOff = (): Parser<number | 'off'> => ({
  expected: `an integer from 0 to 65535 or 'off'`,
  parse: (raw) => (raw.toLowerCase() === 'off' ? 'off' : int(0, 65_535).parse(raw)),
});

export const oneOf = <T extends string>(...values: T[]): Parser<T> => ({
  expected:
    values.length === 2
      ? `'${values[0]}' or '${values[1]}'`
      : `${values
          .slice(0, -1)
          .map((v) => `'${v}'`)
          .join(', ')} or '${values.at(-1)}'`,
  parse: (raw) => values.find((v) => v === raw.toLowerCase()),
});

/** Visible ASCII, as an `Authorization` header carries a key unchanged. */
const KEY = /^[\x21-\x7e]+$/;

/** API keys in `raw`, split at commas (and, in a key file, line ends); undefined when one is not a valid key or there is none. */
export function parseKeys(raw: string, separators = /,/): string[] | undefined {
  const keys = raw
    .split(separators)
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return keys.length > 0 && keys.every((k) => KEY.test(k)) ? keys : undefined;
}

/** Comma-separated API keys; never shown, not even in the error line. */
const apiKeys: Parser<string[]> = {
  expected: 'one key or several separated by commas, each of visible ASCII characters',
  parse: (raw) => parseKeys(raw),
  shown: () => '***',
};

/** `*`, or comma-separated origins as browsers send them (`https://app.example:8443`, no path). */
const origins: Parser<string[]> = {
  expected: "'*' or comma-separated origins such as https://app.example",
  parse: (raw) => {
    const list = raw
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    const valid = (o: string) => o === '*' || (URL.canParse(o) && /^https?:$/.test(new URL(o).protocol) && new URL(o).origin === o);
    return list.length > 0 && list.every(valid) ? list : undefined;
  },
};

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** A `postgres://` or `postgresql://` URL; `sslmode`, when given, one that node-postgres knows. */
export const postgresUrl: Parser<string> = {
  expected: `a postgres:// or postgresql:// URL (sslmode: ${SSL_MODES.join(', ')})`,
  parse: (raw) => {
    if (!URL.canParse(raw)) return undefined;
    const url = new URL(raw);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
    const sslmode = url.searchParams.get('sslmode');
    return sslmode === null || SSL_MODES.includes(sslmode) ? raw : undefined;
  },
  shown: (raw) => raw.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@'),
};

/** `flag` defaults to the variable's name without `OCT_`, in kebab case (`OCT_MAX_TEXT_BYTES` → `max-text-bytes`). */
function setting<K extends keyof Config>(env: string, key: K, parser: Parser<Config[K]>, summary: string, flag?: string): Setting {
  return {
    env,
    flag: flag ?? env.replace(/^OCT_/, '').toLowerCase().replaceAll('_', '-'),
    key,
    expected: parser.expected,
    shown: parser.shown ?? ((raw) => raw),
    summary,
    apply: (config, raw) => {
      const value = parser.parse(raw);
      if (value === undefined) return false;
      config[key] = value;
      return true;
    },
  };
}

export const SETTINGS: readonly Setting[] = [
  setting('OCT_HOST', 'host', text('a host name or IP address'), 'interface to listen on'),
  setting('OCT_PORT', 'port', int(0, 65_535), 'TCP port (0 picks a free one)'),
  setting('OCT_GRPC_PORT', 'grpcPort', portOrOff(), 'OTLP/gRPC port on OCT_HOST (0 picks a free one; off: no gRPC)'),
  setting('OCT_DB_PATH', 'dbPath', text('a file path'), 'SQLite database file; its folder is created if missing', 'db'),
  setting(
    'OCT_DATABASE_URL',
    'databaseUrl',
    postgresUrl,
    'PostgreSQL to write to instead of the SQLite file (several oct processes can share one database)',
    'database-url',
  ),
  setting('OCT_MAX_TEXT_BYTES', 'maxTextBytes', int(1, 1 << 30), 'byte limit of stored input/output text, error messages and stack traces'),
  setting('OCT_MAX_ATTRIBUTES_BYTES', 'maxAttributesBytes', int(64, 1 << 30), 'byte limit of each stored attributes JSON'),
  setting('OCT_MAX_BODY_BYTES', 'maxBodyBytes', int(1024, 2 ** 31), 'request body limit, raw and decompressed'),
  setting('OCT_MAX_CONNECTIONS', 'maxConnections', int(1, 1_000_000), 'open HTTP connections; more are closed as they arrive, and counted'),
  setting(
    'OCT_MAX_INFLIGHT_MB',
    'maxInflightMb',
    int(1, 1 << 20, 'MiB'),
    'memory budget of the requests being read, inflated and decoded; past it a request gets 503',
  ),
  setting('OCT_QUEUE_CAPACITY', 'queueCapacity', int(1, 1_000_000), 'events admitted but not yet written'),
  setting('OCT_BATCH_MAX_ROWS', 'batchMaxRows', int(1, 100_000), 'a batch is written when it holds this many events…'),
  setting('OCT_BATCH_TIMEOUT_MS', 'batchTimeoutMs', int(1, 3_600_000, 'milliseconds'), '…or this long after its first event arrived'),
  setting('OCT_ADMISSION_WAIT_MS', 'admissionWaitMs', int(0, 60_000, 'milliseconds'), 'how long a request may wait for room before a 503'),
  setting('OCT_SHUTDOWN_TIMEOUT_MS', 'shutdownTimeoutMs', int(1, 3_600_000, 'milliseconds'), 'how long shutdown may spend draining'),
  setting(
    'OCT_PENDING_CONTENT_TTL_S',
    'pendingContentTtlS',
    int(1, 604_800, 'seconds'),
    'how long content sent as log records waits for its span',
  ),
  setting('OCT_RETENTION_DAYS', 'retentionDays', int(0, 36_500, 'days'), 'traces and errors older than this are deleted (0 keeps all)'),
  setting('OCT_MAX_DB_MB', 'maxDbMb', int(0, 1 << 30, 'MiB'), 'past this database size the oldest rows are deleted (0: no cap)'),
  setting('OCT_MIN_FREE_DISK_MB', 'minFreeDiskMb', int(0, 1 << 30, 'MiB'), 'below this much free disk oct stops admitting (503)'),
  setting('OCT_ACK', 'ack', oneOf('queue', 'commit'), 'answer once queued, or once committed to the database'),
  setting('OCT_ERRORS_FROM', 'errorsFrom', oneOf('all', 'genai'), 'which failed spans produce error rows'),
  setting(
    'OCT_PRICING_FILE',
    'pricingFile',
    text('a file path'),
    "your own price table (pricing/model-prices.json's format), consulted first",
  ),
  setting('OCT_API_KEY', 'apiKeys', apiKeys, 'API keys clients must send (comma-separated to rotate); prefer the variable or a file'),
  setting(
    'OCT_API_KEY_FILE',
    'apiKeyFile',
    text('a file path'),
    'a file of API keys, one per line or comma-separated (instead of OCT_API_KEY)',
  ),
  setting('OCT_AUTH', 'auth', oneOf('key', 'none'), "'none' serves without keys beyond loopback (a trusted network only)"),
  setting('OCT_TLS_CERT_FILE', 'tlsCertFile', text('a file path'), 'PEM certificate (chain): HTTPS and TLS on gRPC, with OCT_TLS_KEY_FILE'),
  setting('OCT_TLS_KEY_FILE', 'tlsKeyFile', text('a file path'), "the PEM private key of OCT_TLS_CERT_FILE's certificate"),
  setting('OCT_CORS_ORIGINS', 'corsOrigins', origins, "browser origins allowed to call oct ('*': any); none: no CORS headers"),
  setting('OCT_LOG_LEVEL', 'logLevel', oneOf('debug', 'info', 'warn', 'silent'), 'what oct logs'),
];
