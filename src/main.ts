import { loadConfig } from './config/config.js';
import { Runtime } from './runtime.js';

// The only place that exits the process: everything else returns errors.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  for (const line of loaded.errors) process.stderr.write(`oct: ${line}\n`);
  process.exit(2);
}

const runtime = new Runtime(loaded.config);
try {
  await runtime.start();
} catch (err) {
  process.stderr.write(`oct: could not start: ${(err as Error).message}\n`);
  await runtime.shutdown().catch(() => {});
  process.exit(1);
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
