import fs from 'node:fs';
import { defaultConfig } from '../config/config.js';
import { SETTINGS, type Setting } from '../config/settings.js';

/** package.json's version: the one next to dist/, wherever the package is installed. */
export function version(): string {
  return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A setting's default as help and README show it; `(none)` when it has no value. */
export function defaultOf(setting: Setting): string {
  const value = defaultConfig()[setting.key];
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) ? '(none)' : String(value);
}

/** `oct --help`: every setting's flag, variable, default and meaning, from the settings table. */
export function helpText(): string {
  const rows = SETTINGS.map((s) => [`--${s.flag}`, s.env, defaultOf(s), s.summary]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) => `  ${r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('  ')}`.trimEnd());
  return [
    `oct ${version()}: OpenTelemetry-compatible receiver for LLM telemetry`,
    '',
    'Usage:',
    '  oct [serve] [flags]         receive OTLP/HTTP and native JSON, write SQLite',
    '  oct import [flags] FILE…    load OTLP/JSON files, Collector JSON Lines (.gz) or native NDJSON',
    '  oct --help | --version',
    '',
    'Settings (a flag beats its environment variable, which beats the default):',
    `  ${'flag'.padEnd(widths[0])}  ${'variable'.padEnd(widths[1])}  ${'default'.padEnd(widths[2])}  meaning`,
    ...table,
    '',
    'Import:',
    '  --url <url>   post to the oct running at <url> (e.g. http://127.0.0.1:4318); without it, the import',
    '                writes --db itself, which no running oct may be writing (stop it, or use --url); the first',
    '                key of --api-key / --api-key-file is sent as Authorization: Bearer <key>',
    '',
  ].join('\n');
}
