/**
 * Times as the trace shows them: finer than the dashboard's general formats (`../lib/format`), because in a
 * waterfall 12 ms and 1.23 s are both worth reading exactly.
 */

export function formatSpanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1) return `${sign}${abs.toFixed(2)} ms`;
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  if (abs < 3_600_000) {
    const m = Math.floor(abs / 60_000);
    const s = Math.floor((abs % 60_000) / 1_000);
    return `${sign}${m} min ${s} s`;
  }
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  return `${sign}${h} h ${m} min`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: `14:03:07.125`. */
export function formatClockMs(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `+1.25 s` relative to a start. */
export function formatOffset(ms: number): string {
  return `${ms < 0 ? '' : '+'}${formatSpanDuration(ms)}`;
}
