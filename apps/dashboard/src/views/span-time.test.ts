import { describe, expect, it } from 'vitest';
import { formatOffset, formatSpanDuration } from './span-time.js';
import { fractionOf, niceStep, timeTicks } from './time-axis.js';

describe('span times', () => {
  it('formats durations at every scale', () => {
    expect(formatSpanDuration(0.5)).toBe('0.50 ms');
    expect(formatSpanDuration(12.4)).toBe('12 ms');
    expect(formatSpanDuration(1_234)).toBe('1.23 s');
    expect(formatSpanDuration(12_345)).toBe('12.3 s');
    expect(formatSpanDuration(125_000)).toBe('2 min 5 s');
    expect(formatSpanDuration(3_725_000)).toBe('1 h 2 min');
    expect(formatSpanDuration(-1_500)).toBe('-1.50 s');
    expect(formatOffset(250)).toBe('+250 ms');
  });
});

describe('time axis', () => {
  it('picks round steps', () => {
    expect(niceStep(1_000, 5)).toBe(200);
    expect(niceStep(7_000, 6)).toBe(2_000);
    expect(niceStep(0, 6)).toBe(1);
  });

  it('ticks across the range', () => {
    expect(timeTicks(100, 1_100, 5).map((t) => t.offset)).toEqual([0, 200, 400, 600, 800, 1_000]);
    expect(timeTicks(5, 5)).toEqual([{ offset: 0, fraction: 0 }]);
    expect(fractionOf(150, 100, 200)).toBe(0.5);
    expect(fractionOf(500, 100, 200)).toBe(1);
  });
});
