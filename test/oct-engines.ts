import { onTestFinished } from 'vitest';
import { defaultConfig, type Config } from '../src/config/config.js';
import { startOct } from './helpers.js';
import { pgServer } from './storage/postgres/setup.js';

/** oct on each engine, in this process, stopped after the test; PostgreSQL gets a fresh database of the file's server. */
export interface OctEngine {
  name: string;
  start(overrides?: Partial<Config>): Promise<{ url: string }>;
}

export const OCT_ENGINES: OctEngine[] = [
  { name: 'SQLite', start: (overrides) => startOct(overrides) },
  {
    name: 'PostgreSQL',
    async start(overrides = {}) {
      // The built server, as startOct runs it.
      const { Runtime } = await import('../dist/runtime.js');
      const databaseUrl = await pgServer().createDatabase();
      const runtime = new Runtime({ ...defaultConfig(), port: 0, grpcPort: 0, logLevel: 'silent', ...overrides, databaseUrl });
      onTestFinished(() => runtime.shutdown());
      return runtime.start();
    },
  },
];
