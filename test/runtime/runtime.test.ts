import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { Runtime } from '../../dist/runtime.js';
import { tempDir } from '../helpers.js';

describe('the runtime as a component', () => {
  it('shuts down without having started, and every shutdown returns the same promise', async () => {
    const runtime = new Runtime({ ...defaultConfig(), port: 0, dbPath: path.join(tempDir(), 'oct.db'), logLevel: 'silent' });
    const first = runtime.shutdown();
    expect(runtime.shutdown()).toBe(first);
    await expect(first).resolves.toBeUndefined();
    expect(runtime.health().status).toBe('stopping');
  });
});
