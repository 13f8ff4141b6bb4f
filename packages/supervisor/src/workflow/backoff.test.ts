import { describe, expect, it } from 'vitest';
import { computeBackoff, fnv1a, unitHash } from './backoff.js';

describe('computeBackoff', () => {
  const policy = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 5_000, jitter: 0 };
  const seed = { taskId: 't', stepKey: 's', attempt: 1 };

  it('doubles from backoffMs and caps at maxBackoffMs', () => {
    expect([1, 2, 3, 4, 5].map((f) => computeBackoff(policy, f, seed))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it('shortens by up to `jitter` of the delay, the same way on every replay', () => {
    const jittered = { ...policy, jitter: 0.5 };
    const delays = Array.from({ length: 200 }, (_, i) =>
      computeBackoff(jittered, 1, { taskId: `t${i}`, stepKey: 's', attempt: 1 }),
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_000);
    expect(new Set(delays).size).toBeGreaterThan(50);
    expect(computeBackoff(jittered, 1, seed)).toBe(computeBackoff(jittered, 1, { ...seed }));
    expect(computeBackoff(jittered, 1, seed)).toBe(Math.round(1_000 * (1 - 0.5 * unitHash('t.s.1'))));
  });

  it('hashes with 32-bit FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });
});
