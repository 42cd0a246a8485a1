import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { defaultOf, helpText } from '../../src/cli/help.js';
import { tempDir, waitFor } from '../helpers.js';
import { finished, OCT, runOct } from './oct-command.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** README's "Configuration" table: variable → the first backquoted value of its default cell. */
function readmeSettings(): Map<string, string> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
  const rows = [...section.matchAll(/^\| `(OCT_[A-Z0-9_]+)` \| ([^|]*) \|/gm)];
  return new Map(rows.map(([, name, cell]) => [name, /`([^`]*)`/.exec(cell)?.[1] ?? cell.trim()]));
}

describe('oct --help', () => {
  it('lists every setting with its flag, variable, default and meaning, as `oct serve --help` does', async () => {
    const help = await runOct(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toBe(helpText());
    for (const s of SETTINGS) {
      const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(`--${s.flag} `));
      expect(line, `--${s.flag}`).toBeDefined();
      expect(
        line!
          .trim()
          .split(/\s{2,}/)
          .slice(1),
      ).toEqual([s.env, defaultOf(s), s.summary]);
    }
    expect((await runOct(['serve', '--help'])).stdout).toBe(help.stdout);
    expect((await runOct(['import', '-h'])).stdout).toBe(help.stdout);
  });

  it("matches README's Configuration table: exactly the same variables, with the same defaults", () => {
    const documented = readmeSettings();
    expect([...documented.keys()].sort()).toEqual(SETTINGS.map((s) => s.env).sort());
    for (const s of SETTINGS) expect(documented.get(s.env), s.env).toBe(defaultOf(s));
  });

  it('prints the version of package.json', async () => {
    expect(await runOct(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });
});

describe('oct serve', () => {
  it('takes a flag over its environment variable', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [OCT, '--port', '0', '--grpc-port', '0', '--db', path.join(dir, 'flag.db'), '--log-level', 'info'],
      {
        env: { PATH: process.env.PATH ?? '', OCT_PORT: 'eighty', OCT_DB_PATH: path.join(dir, 'env.db') },
      },
    );
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = finished(child);
    const url = await waitFor(() => /listening on (http:\/\/\S+), .*writing to (\S+)/.exec(output), 10_000, 'the listening line');
    expect(Number(new URL(url[1]).port)).toBeGreaterThan(0);
    expect(url[2]).toBe(path.join(dir, 'flag.db'));
    expect(fs.existsSync(path.join(dir, 'flag.db'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'env.db'))).toBe(false);
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });

  it('rejects an invalid flag value with the one line of the variable, naming the flag, exit 2', async () => {
    expect(await runOct([], { OCT_PORT: 'eighty' })).toMatchObject({
      code: 2,
      stderr: "oct: OCT_PORT is invalid: expected an integer from 0 to 65535 (actual: 'eighty')\n",
    });
    expect(await runOct(['--port', 'eighty'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "oct: --port is invalid: expected an integer from 0 to 65535 (actual: 'eighty')\n",
    });
    expect(await runOct(['serve', '--errors-from=some'], { OCT_ERRORS_FROM: 'genai' })).toMatchObject({
      code: 2,
      stderr: "oct: --errors-from is invalid: expected 'all' or 'genai' (actual: 'some')\n",
    });
  });

  it('rejects an unknown option, a missing value and an unknown command, naming what was meant', async () => {
    expect(await runOct(['--prot', '80'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'oct: unknown option --prot; did you mean --port? (see oct --help)\n',
    });
    expect(await runOct(['--port'])).toMatchObject({ code: 2, stderr: 'oct: --port needs a value\n' });
    expect(await runOct(['serv'])).toMatchObject({
      code: 2,
      stderr: "oct: unknown command 'serv': expected serve or import (see oct --help)\n",
    });
  });

  it('warns once about an OCT_ variable it does not know, naming the closest setting', async () => {
    const run = await runOct(['--port', 'x'], { OCT_POR: '4318', OCT_MAX_TEXT_BYTE: '10', OCT_PORT: '0' });
    expect(run.stderr.split('\n')).toEqual([
      'oct: warning: OCT_MAX_TEXT_BYTE is not an oct setting and is ignored; did you mean OCT_MAX_TEXT_BYTES?',
      'oct: warning: OCT_POR is not an oct setting and is ignored; did you mean OCT_PORT?',
      "oct: --port is invalid: expected an integer from 0 to 65535 (actual: 'x')",
      '',
    ]);
  });
});

describe('npm start', () => {
  it('runs the bin, and a SIGTERM to the npm process stops oct cleanly and closes its port', async () => {
    expect(packageJson.bin.oct).toBe('dist/main.js');
    expect(fs.readFileSync(path.join(ROOT, packageJson.bin.oct), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const dbPath = path.join(tempDir(), 'oct.db');
    // `--ignore-scripts` skips only `prestart` (the build, which `npm test` has done): `start` itself runs as it would.
    const npm = spawn('npm', ['start', '--silent', '--ignore-scripts', '--', '--port', '0', '--grpc-port', '0', '--db', dbPath], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    const exit = finished(npm);
    let output = '';
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = new URL(await waitFor(() => /listening on (http:\/\/\S+),/.exec(output)?.[1], 30_000, 'the listening line'));
    expect((await fetch(`${url.origin}/healthz`)).status).toBe(200);
    npm.kill('SIGTERM');
    expect((await exit).code).toBe(0);
    expect(output).toMatch(/stopped in \d+ ms: 0 events persisted/);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.once('connect', () => (socket.destroy(), resolve('connected')));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
