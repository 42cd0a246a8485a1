import { describe, expect, it } from 'vitest';
import { WalCatchUp } from '../../../src/storage/sqlite/wal/catch-up.js';
import { WalProgress } from '../../../src/storage/sqlite/wal/progress.js';

const MAX_BYTES = 1000;

/** A WAL whose checkpoints report busy `busy` times before they succeed. */
function setup({ bytes = 0, busy = 0, catchUp = false }) {
  const progress = new WalProgress(WalProgress.allocate());
  progress.writerCatchUp = catchUp;
  const calls: { checkpointing: boolean }[] = [];
  const file = {
    bytes: () => bytes,
    checkpoint: () => {
      calls.push({ checkpointing: progress.writerCheckpointing });
      return calls.length > busy;
    },
  };
  return { progress, calls, catchUp: new WalCatchUp(file, progress, MAX_BYTES) };
}

describe('the writer side of WAL checkpointing', () => {
  it('does nothing until the checkpointer asks or the WAL reaches its limit', () => {
    const { catchUp, calls } = setup({ bytes: MAX_BYTES - 1 });
    catchUp.afterCommit();
    expect(calls).toEqual([]);
  });

  it('copies the remainder when asked, with the checkpointer held off, then clears both cells', () => {
    const { catchUp, calls, progress } = setup({ catchUp: true });
    catchUp.afterCommit();
    expect(calls).toEqual([{ checkpointing: true }]);
    expect([progress.writerCatchUp, progress.writerCheckpointing]).toEqual([false, false]);
  });

  it('lets the checkpointer go on when it was mid-pass, and tries again after the next commit', () => {
    const { catchUp, calls, progress } = setup({ catchUp: true, busy: 1 });
    catchUp.afterCommit();
    // Idle from here on: the checkpointer's passes must not stay blocked.
    expect([progress.writerCatchUp, progress.writerCheckpointing]).toEqual([true, false]);
    catchUp.afterCommit();
    expect(calls).toHaveLength(2);
    expect([progress.writerCatchUp, progress.writerCheckpointing]).toEqual([false, false]);
  });

  it('past the limit waits for the pass to end and copies the rest itself', () => {
    const { catchUp, calls, progress } = setup({ bytes: MAX_BYTES, busy: 3 });
    catchUp.afterCommit();
    expect(calls).toEqual(Array.from({ length: 4 }, () => ({ checkpointing: true })));
    expect(progress.writerCheckpointing).toBe(false);
  });
});
