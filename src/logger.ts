export type LogLevel = 'info' | 'warn' | 'silent';

/** One line per lifecycle event or failure; never one per request. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const at = (name: string) => (message: string) => write(`${new Date().toISOString()} ${name} oct: ${message}`);
  const off = () => {};
  return {
    info: level === 'info' ? at('INFO') : off,
    warn: level === 'silent' ? off : at('WARN'),
    error: level === 'silent' ? off : at('ERROR'),
  };
}
