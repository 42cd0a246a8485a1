import type { Config } from '../config/config.js';
import { Runtime } from '../runtime.js';

/** `oct serve`: runs the receiver until SIGTERM or SIGINT; the exit code once it has drained. */
export async function serve(config: Config): Promise<number> {
  // Listening before start, so a signal that arrives while oct starts still stops it cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  let runtime: Runtime | undefined;
  try {
    runtime = new Runtime(config);
    await runtime.start();
  } catch (err) {
    // A bad price table, a database oct cannot open, a port in use: one line, no stack.
    process.stderr.write(`oct: could not start: ${(err as Error).message}\n`);
    await runtime?.shutdown().catch(() => {});
    return 1;
  }
  await stopRequested;
  try {
    await runtime.shutdown();
    return 0;
  } catch (err) {
    process.stderr.write(`oct: shutdown failed: ${(err as Error).message}\n`);
    return 1;
  }
}
