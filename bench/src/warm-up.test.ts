import { describe, expect, it } from 'vitest';
import { settled, warmUntilSteady, warmUpLine } from './warm-up.js';

describe('warmUntilSteady', () => {
  it('settles when the last three rates are within the tolerance of their median', () => {
    expect(settled([100, 200, 300], 0.08)).toBe(false);
    expect(settled([100, 420, 425, 440], 0.08)).toBe(true);
    expect(settled([420, 425], 0.08)).toBe(false);
  });

  it('runs bursts until the rates settle, after the minimum', async () => {
    const rates = [150, 250, 320, 380, 420, 425, 430, 999];
    const sizes: number[] = [];
    const report = await warmUntilSteady(
      async (n) => {
        sizes.push(n);
        return rates[sizes.length - 1]!;
      },
      { burst: 500, minTasks: 1_000, maxTasks: 8_000, tolerance: 0.08 },
    );
    expect(report).toEqual({ tasks: 3_500, rates: [150, 250, 320, 380, 420, 425, 430], steady: true });
    expect(sizes.every((n) => n === 500)).toBe(true);
  });

  it('stops at the maximum, saying the rates never settled', async () => {
    let i = 0;
    const report = await warmUntilSteady(async () => (++i % 2 ? 100 : 300), {
      burst: 400,
      minTasks: 0,
      maxTasks: 1_000,
      tolerance: 0.05,
    });
    expect(report).toEqual({ tasks: 1_000, rates: [100, 300, 100], steady: false });
  });
});

describe('warmUpLine', () => {
  it('says how many tasks warmed a system up, whether its rate settled, and each burst', () => {
    expect(
      warmUpLine('BullMQ', { tasks: 2_500, rates: [900, 1_800, 2_000, 2_050, 1_990], steady: true }),
    ).toBe('BullMQ: 2,500 tasks, settled (tasks/s 900 → 1800 → 2000 → 2050 → 1990)');
    expect(warmUpLine('x', { tasks: 8_000, rates: [1, 2], steady: false })).toContain('not settled');
    expect(warmUpLine('x', undefined)).toBe('x: no warm-up');
  });
});
