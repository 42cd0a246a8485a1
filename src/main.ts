import { loadConfig, type Config } from './config/config.js';
import { Runtime } from './runtime.js';

// The only place that exits the process: everything else returns errors.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const line of loaded.errors) process.stderr.write(`oct: ${line}\n`);
  process.exit(2);
}

const runtime = await start(loaded.config);

/** A running oct, or exit 1 with the reason: a bad price table, a database oct cannot open, a port in use. */
async function start(config: Config): Promise<Runtime> {
  let runtime: Runtime | undefined;
  try {
    runtime = new Runtime(config);
    await runtime.start();
    return runtime;
  } catch (err) {
    process.stderr.write(`oct: could not start: ${(err as Error).message}\n`);
    await runtime?.shutdown().catch(() => {});
    process.exit(1);
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    runtime.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`oct: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}
