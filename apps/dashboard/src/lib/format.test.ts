import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatClock,
  formatCount,
  formatDateTime,
  formatDuration,
  formatTokens,
  formatUsd,
} from './format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [-250, '0 ms'],
    [Number.NaN, '0 ms'],
    [849.6, '850 ms'],
    [1_000, '1.0 s'],
    [4_290, '4.2 s'],
    [42_900, '42 s'],
    [4 * 60_000 + 5_000, '4m 05s'],
    [2 * 3_600_000 + 3 * 60_000 + 59_000, '2h 03m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 04h'],
  ])('%s ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatAge', () => {
  it.each([
    [-5_000, 'now'],
    [999, 'now'],
    [12_000, '12s'],
    [4 * 60_000 + 59_000, '4m'],
    [2 * 3_600_000 + 3 * 60_000, '2h 03m'],
    [3 * 86_400_000 + 5 * 3_600_000, '3d'],
  ])('%s ms → %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});

describe('numbers', () => {
  it('counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(-1_234.4)).toBe('-1,234');
  });

  it.each([
    [0, '0'],
    [950, '950'],
    [1_000, '1k'],
    [12_345, '12.3k'],
    [123_456, '123k'],
    [1_234_567, '1.23M'],
    [250_000_000, '250M'],
  ])('tokens %s → %s', (n, text) => expect(formatTokens(n)).toBe(text));

  it.each([
    [0, '$0'],
    [0.00001, '<$0.0001'],
    [0.0042, '$0.0042'],
    [0.4219, '$0.422'],
    [12.3, '$12.30'],
    [1_234.5, '$1,235'],
    [-0.5, '-$0.500'],
  ])('USD %s → %s', (n, text) => expect(formatUsd(n)).toBe(text));
});

describe('times', () => {
  it('shows local wall-clock time and date', () => {
    const at = new Date(2025, 2, 9, 4, 3, 7).getTime();
    expect(formatClock(at)).toBe('04:03:07');
    expect(formatDateTime(at)).toBe('2025-03-09 04:03:07');
  });
});
