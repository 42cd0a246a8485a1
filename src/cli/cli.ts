import { loadConfig } from '../config/config.js';
import { parseCommandLine } from './args.js';
import { helpText, version } from './help.js';
import { importFiles } from './import/import-files.js';
import { serve } from './serve.js';
import { unknownVariableWarnings } from './unknown-variables.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The `oct` command: what to run and its exit code (2: a usage or configuration error). */
export async function runCli(argv: readonly string[], env: Env): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    process.stderr.write(`oct: ${parsed.error}\n`);
    return 2;
  }
  const invocation = parsed.invocation;
  if (invocation.command === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (invocation.command === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  for (const warning of unknownVariableWarnings(env)) process.stderr.write(`oct: warning: ${warning}\n`);
  const loaded = loadConfig(env, invocation.settings);
  if (!loaded.ok) {
    for (const line of loaded.errors) process.stderr.write(`oct: ${line}\n`);
    return 2;
  }
  if (invocation.command === 'serve') return serve(loaded.config);
  return importFiles(loaded.config, invocation.files, invocation.url);
}
