/** Display formats for the dashboard: short, fixed-width friendly, the same on every page. */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `850 ms`, `4.2 s`, `42 s`, `4m 05s`, `2h 03m`, `3d 04h`. Negative spans (clock skew) show as 0. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < SECOND) return `${Math.round(ms)} ms`;
  if (ms < 10 * SECOND) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m ${pad2(Math.floor((ms % MINUTE) / SECOND))}s`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ${pad2(Math.floor((ms % HOUR) / MINUTE))}m`;
  return `${Math.floor(ms / DAY)}d ${pad2(Math.floor((ms % DAY) / HOUR))}h`;
}

/** How long ago, coarser than a duration: `now`, `12s`, `4m`, `2h 03m`, `3d`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < SECOND) return 'now';
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ${pad2(Math.floor((ms % HOUR) / MINUTE))}m`;
  return `${Math.floor(ms / DAY)}d`;
}

/** `1 234 567` → `1,234,567`, independent of the browser's locale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `950`, `12.3k`, `123k`, `1.23M`. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs < 1_000) return String(Math.round(n));
  if (abs < 100_000) return `${trim((n / 1_000).toFixed(1))}k`;
  if (abs < 1_000_000) return `${Math.round(n / 1_000)}k`;
  if (abs < 100_000_000) return `${trim((n / 1_000_000).toFixed(2))}M`;
  return `${formatCount(Math.round(n / 1_000_000))}M`;
}

/** `$0`, `<$0.0001`, `$0.0042`, `$0.42`, `$12.30`, `$1,234`. */
export function formatUsd(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n === 0) return '$0';
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  if (abs < 0.0001) return `${sign}<$0.0001`;
  if (abs < 0.01) return `${sign}$${abs.toFixed(4)}`;
  if (abs < 1) return `${sign}$${abs.toFixed(3)}`;
  if (abs < 1_000) return `${sign}$${abs.toFixed(2)}`;
  return `${sign}$${formatCount(abs)}`;
}

/** Local wall-clock time, `14:03:27`. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local date and time, `2025-03-09 14:03:27`. */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(epochMs)}`;
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
