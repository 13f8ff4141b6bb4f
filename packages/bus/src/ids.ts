import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A task id that sorts by creation time: "t", 9 base-36 digits of milliseconds, 10 random base-36 digits.
 * Listing tasks newest-first is then a sort of their keys.
 */
export function newTaskId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const bytes = randomBytes(10);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 36];
  return `t${time}${rand}`;
}

/** The creation time a task id carries, or undefined for ids not made by `newTaskId`. */
export function taskIdTime(taskId: string): number | undefined {
  if (!/^t[0-9a-z]{19}$/.test(taskId)) return undefined;
  return parseInt(taskId.slice(1, 10), 36);
}
