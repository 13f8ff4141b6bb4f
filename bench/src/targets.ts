import { round } from './stats.js';

export interface Target {
  target: string;
  measured: string;
  /** measured ÷ limit for an upper bound, measured ÷ floor for a lower bound. */
  ratio: number;
  pass: boolean;
  /** How far off a miss is, in words. */
  verdict: string;
}

/** `value` must be at most `limit`. */
export function atMost(
  target: string,
  value: number,
  limit: number,
  unit: string,
  limitText = `${limit} ${unit}`,
): Target {
  const ratio = round(value / limit, 2);
  const pass = value <= limit;
  return {
    target,
    measured: `${round(value, 2)} ${unit} vs ${limitText}`,
    ratio,
    pass,
    verdict: pass ? 'PASS' : `MISS: ${ratio}× the limit (${round(value - limit, 2)} ${unit} over)`,
  };
}

/** `value` must be at least `floor`. */
export function atLeast(
  target: string,
  value: number,
  floor: number,
  unit: string,
  floorText = `${floor} ${unit}`,
): Target {
  const ratio = round(value / floor, 2);
  const pass = value >= floor;
  return {
    target,
    measured: `${round(value, 1)} ${unit} vs ${floorText}`,
    ratio,
    pass,
    verdict: pass
      ? 'PASS'
      : `MISS: ${ratio}× the floor (needs ${round(floor / Math.max(value, 1e-9), 1)}× more)`,
  };
}
