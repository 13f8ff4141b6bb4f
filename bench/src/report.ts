import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Cell = string | number | undefined;

const markdown: string[] = [];

/** Everything `formatTable` and `recordMarkdown` saw, as Markdown (written to results/report.md). */
export function recordedMarkdown(): string {
  return `${markdown.join('\n\n')}\n`;
}

/** Adds a paragraph (or a fenced block) to the Markdown report. */
export function recordMarkdown(text: string): void {
  markdown.push(text);
}

const cellText = (c: Cell) => (c === undefined ? '' : typeof c === 'number' ? formatNumber(c) : c);

/**
 * A plain-text table with right-aligned numbers, for the console; the same table goes to the Markdown
 * report.
 */
export function formatTable(
  title: string,
  headers: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
): string {
  markdown.push(
    [
      `**${title.trim()}**`,
      '',
      `| ${headers.join(' | ')} |`,
      `| ${headers.map((_, i) => (rows.some((r) => typeof r[i] === 'number') ? '---:' : '---')).join(' | ')} |`,
      ...rows.map((r) => `| ${headers.map((_, i) => cellText(r[i]).replaceAll('|', '\\|')).join(' | ')} |`),
    ].join('\n'),
  );
  const cells = [headers.map(String), ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[], raw?: readonly Cell[]) =>
    r
      .map((c, i) => (typeof raw?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    `\n${title}`,
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r, i) => line(cells[i + 1]!, r)),
  ].join('\n');
}

/** 3 significant digits under 100, thousands separated above. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** Writes `bench/results/<name>.json`. */
export function writeResult(dir: string, name: string, value: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}
