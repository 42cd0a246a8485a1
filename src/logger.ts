export type LogLevel = 'debug' | 'info' | 'warn' | 'silent';

/** One line per lifecycle event or failure; never one per request, except at `debug`. */
export interface Logger {
  /** Whether `debug` writes anything: callers skip building lines nobody reads. */
  readonly debugging: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const at = (name: string) => (message: string) => write(`${new Date().toISOString()} ${name} oct: ${message}`);
  const off = () => {};
  return {
    debugging: level === 'debug',
    debug: level === 'debug' ? at('DEBUG') : off,
    info: level === 'debug' || level === 'info' ? at('INFO') : off,
    warn: level === 'silent' ? off : at('WARN'),
    error: level === 'silent' ? off : at('ERROR'),
  };
}
