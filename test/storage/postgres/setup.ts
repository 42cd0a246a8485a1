import { afterAll, beforeAll } from 'vitest';
import { startPgServer, type PgServer } from './pg-server.js';

// Imported by the test files that need PostgreSQL, so only they start a server: one per file,
// initialised in a temp folder and removed after its last test.
let server: PgServer | undefined;
beforeAll(async () => {
  server = await startPgServer();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
}, 30_000);

export function pgServer(): PgServer {
  if (!server) throw new Error('the PostgreSQL server is not started (beforeAll)');
  return server;
}
