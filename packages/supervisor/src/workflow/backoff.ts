import type { RetryPolicy } from './types.js';

/** 32-bit FNV-1a: a small, stable hash so jitter is the same on every replay. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A number in [0, 1) derived from the seed: the deterministic stand-in for `Math.random()`. */
export function unitHash(seed: string): number {
  return fnv1a(seed) / 0x1_0000_0000;
}

/**
 * The wait before the next attempt after `failures` failed ones (1 → `backoffMs`, doubling, capped at
 * `maxBackoffMs`), shortened by up to `jitter` of itself by a hash of `taskId`, `stepKey` and `attempt`.
 */
export function computeBackoff(
  policy: RetryPolicy,
  failures: number,
  seed: { taskId: string; stepKey: string; attempt: number },
): number {
  const exponential = policy.backoffMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(policy.maxBackoffMs, exponential);
  const r = unitHash(`${seed.taskId}.${seed.stepKey}.${seed.attempt}`);
  return Math.round(capped * (1 - policy.jitter * r));
}
