import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests that start oct run dist/ (the SQLite writer is a worker thread, which needs JavaScript), so
// every run compiles src/ (and the dashboard page) first: no test can see stale JavaScript, whichever way vitest was started.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-page.js', import.meta.url))], { cwd: root, stdio: 'inherit' });
}
