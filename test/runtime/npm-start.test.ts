import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The process ids whose parent is `pid`. */
function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start under a supervisor', () => {
  it('builds first, then execs oct, so a SIGTERM to the npm process stops oct cleanly', async () => {
    expect(scripts.prestart).toMatch(/npm run build/);
    expect(scripts.start).toMatch(/^exec node dist\/main\.js$/);
    // --ignore-scripts skips only the prestart build: the suite built dist/ already, and rebuilding
    // it here would rewrite files that other test files are loading.
    const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tempDir(),
        OCT_PORT: '0',
        OCT_GRPC_PORT: '0',
        OCT_DB_PATH: path.join(tempDir(), 'oct.db'),
      },
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const url = await waitFor(() => output.match(/listening on (http:\/\/\S+),/)?.[1], 20_000, 'oct to listen');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // `exec` replaced the script's shell with node: oct is npm's own child.
    const [oct] = children(npm.pid!);
    expect(oct).toBeGreaterThan(0);
    expect(execFileSync('ps', ['-o', 'args=', '-p', String(oct)], { encoding: 'utf8' })).toMatch(/node .*dist\/main\.js/);

    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopped in \d+ ms: 0 events persisted/);
    await waitFor(() => !alive(oct), 5_000, 'oct to exit');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
