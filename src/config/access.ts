import fs from 'node:fs';
import tls from 'node:tls';
import type { Config } from './config.js';
import { parseKeys } from './settings.js';

/**
 * Who may reach oct: its API keys, its TLS certificate, and the rule that only a loopback
 * listener may go without keys. The files are read here, once for start-up validation (a bad
 * one is a configuration error) and once when the runtime starts.
 */

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The keys requests must present: OCT_API_KEY's, or OCT_API_KEY_FILE's; none when neither is set. */
export function apiKeysOf(config: Config): string[] {
  if (config.apiKeyFile === null) return config.apiKeys;
  const keys = parseKeys(readFile('OCT_API_KEY_FILE', config.apiKeyFile).toString('utf8'), /[,\r\n]/);
  if (keys === undefined)
    throw new Error(`OCT_API_KEY_FILE holds no valid key: expected keys of visible ASCII characters, one per line or comma-separated`);
  return keys;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The certificate and key to serve HTTPS and gRPC over TLS with, or undefined for plain text. */
export function tlsOf(config: Config): TlsFiles | undefined {
  const { tlsCertFile, tlsKeyFile } = config;
  if (tlsCertFile === null && tlsKeyFile === null) return undefined;
  if (tlsCertFile === null || tlsKeyFile === null) {
    const [set, unset] = tlsCertFile === null ? ['OCT_TLS_KEY_FILE', 'OCT_TLS_CERT_FILE'] : ['OCT_TLS_CERT_FILE', 'OCT_TLS_KEY_FILE'];
    throw new Error(`${set} is set without ${unset}: set both (a certificate and its private key) or neither`);
  }
  const files = { cert: readFile('OCT_TLS_CERT_FILE', tlsCertFile), key: readFile('OCT_TLS_KEY_FILE', tlsKeyFile) };
  try {
    tls.createSecureContext(files);
  } catch (err) {
    throw new Error(`OCT_TLS_CERT_FILE and OCT_TLS_KEY_FILE are not a PEM certificate and its private key: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return files;
}

/** One line per problem with the access settings; none when oct may start with them. */
export function accessErrors(config: Config): string[] {
  if (config.apiKeys.length > 0 && config.apiKeyFile !== null) return ['OCT_API_KEY and OCT_API_KEY_FILE are both set: set one of them'];
  const errors: string[] = [];
  for (const check of [apiKeysOf, tlsOf]) {
    try {
      check(config);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const keySet = config.apiKeys.length > 0 || config.apiKeyFile !== null;
  if (config.auth === 'none' && keySet)
    errors.push(
      `OCT_AUTH=none turns API keys off, but ${config.apiKeyFile === null ? 'OCT_API_KEY' : 'OCT_API_KEY_FILE'} is set: unset one`,
    );
  else if (config.auth === 'key' && !keySet && !isLoopback(config.host))
    errors.push(
      `OCT_HOST=${config.host} is not a loopback address and no API key is set: set OCT_API_KEY (or OCT_API_KEY_FILE) so clients must present a key, or OCT_AUTH=none to accept anyone who can reach the port (a trusted network only)`,
    );
  return errors;
}

function readFile(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${variable} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}
