/** Small formatters shared by every command's human output. */

export const formatInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** US dollars with enough decimals to show a fraction of a cent. */
export const formatCost = (usd: number): string => `$${usd.toFixed(usd !== 0 && usd < 0.01 ? 6 : 4)}`;

export const formatTokens = (input: number, output: number): string =>
  `${formatInt(input + output)} tokens (${formatInt(input)} in, ${formatInt(output)} out)`;

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** A plain text table: a header row, columns padded to their widest cell, the last column left ragged. */
export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  indent = '  ',
): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, col) => (col === cells.length - 1 ? c : c.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The time of day of an epoch-milliseconds instant, local time, for status lines. */
export const formatClock = (epochMs: number): string =>
  new Date(epochMs).toLocaleTimeString('en-GB', { hour12: false });

/** `provider:model`, without doubling a provider the model name already carries. */
export const modelLabel = (provider: string | undefined, model: string): string =>
  provider && !model.startsWith(`${provider}:`) ? `${provider}:${model}` : model;
