import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnTs } from '../testing/index.js';

/** Gone, or a zombie nobody has reaped yet: either way no longer running. */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('startNatsServer', () => {
  it('stops its server when the process that started it is killed outright', async () => {
    await using owner = spawnTs(new URL('./fixtures/server-owner.ts', import.meta.url).pathname);
    const line = await owner.waitForLine(/^server pid \d+$/, 30_000);
    const pid = Number(line.split(' ').at(-1));
    expect(running(pid)).toBe(true);

    try {
      await owner.kill('SIGKILL');
      await expect.poll(() => running(pid), { timeout: 10_000, interval: 50 }).toBe(false);
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
