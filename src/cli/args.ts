import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SETTINGS } from '../config/settings.js';
import { closest } from './closest.js';

/** What the command line asks for; `settings` holds the setting flags given, by flag name. */
export type Invocation =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'serve'; settings: Record<string, string> }
  | { command: 'import'; settings: Record<string, string>; url: string | undefined; files: string[] };

export type ParsedArgs = { ok: true; invocation: Invocation } | { ok: false; error: string };

const OWN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  url: { type: 'string' },
} satisfies ParseArgsConfig['options'];

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' } as const])),
  ...OWN_OPTIONS,
};

const COMMANDS = ['serve', 'import'] as const;

/** `oct [serve] [flags]`, `oct import [flags] FILE…`, `--help`, `--version`, parsed by Node's `util.parseArgs`. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, error: describeParseError(err as Error & { code?: string }) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, invocation: { command: 'help' } };
  if (values.version) return { ok: true, invocation: { command: 'version' } };
  const [command = 'serve', ...rest] = positionals;
  const settings = Object.fromEntries(
    SETTINGS.filter((s) => typeof values[s.flag] === 'string').map((s) => [s.flag, values[s.flag] as string]),
  );
  const url = values.url as string | undefined;
  if (command === 'import') {
    if (rest.length === 0) return { ok: false, error: 'import needs at least one FILE (oct import [flags] FILE…)' };
    return { ok: true, invocation: { command, settings, url, files: rest } };
  }
  if (command !== 'serve') return { ok: false, error: `unknown command '${command}': expected ${COMMANDS.join(' or ')} (see oct --help)` };
  if (rest.length > 0) return { ok: false, error: `serve takes no arguments (actual: '${rest.join(' ')}')` };
  if (url !== undefined) return { ok: false, error: '--url belongs to oct import' };
  return { ok: true, invocation: { command, settings } };
}

function describeParseError(err: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const flags = Object.keys(OPTIONS).map((name) => `--${name}`);
    return `unknown option ${option}; did you mean ${closest(option, flags)}? (see oct --help)`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `${option} needs a value`;
  return err.message;
}
