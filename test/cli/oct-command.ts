import { spawn } from 'node:child_process';

/** The built command (`npm test` builds first), as `npx oct` and `npm start` run it. */
export const OCT = new URL('../../dist/main.js', import.meta.url).pathname;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `oct …args` to its end, with only PATH and `env` in its environment. */
export function runOct(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Finished> {
  return finished(spawn(process.execPath, [OCT, ...args], { env: { PATH: process.env.PATH ?? '', OCT_GRPC_PORT: '0', ...env }, cwd }));
}

export function finished(child: ReturnType<typeof spawn>): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
