/** Tick marks for a time axis: round steps (1, 2, 5 × 10ⁿ ms) so that about `target` fit in the range. */
export interface Tick {
  /** Milliseconds from the axis start. */
  offset: number;
  /** 0..1 along the axis. */
  fraction: number;
}

const STEPS = [1, 2, 5] as const;

export function niceStep(spanMs: number, target: number): number {
  const raw = spanMs / Math.max(1, target);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const s of STEPS) if (s * magnitude >= raw) return s * magnitude;
  return 10 * magnitude;
}

export function timeTicks(start: number, end: number, target = 6): Tick[] {
  const span = end - start;
  if (!(span > 0)) return [{ offset: 0, fraction: 0 }];
  const step = niceStep(span, target);
  const ticks: Tick[] = [];
  for (let offset = 0; offset <= span + 1e-9; offset += step) ticks.push({ offset, fraction: offset / span });
  return ticks;
}

/** Where a time falls on the axis, 0..1, clamped. */
export function fractionOf(t: number, start: number, end: number): number {
  const span = end - start;
  if (!(span > 0)) return 0;
  return Math.min(1, Math.max(0, (t - start) / span));
}
