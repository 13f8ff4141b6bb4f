import { countByKind } from './fault-schedule.js';
import type { ChaosPhaseReport } from './chaos-run.js';

const ms = (n: number) => (Number.isNaN(n) ? '-' : `${Math.round(n)}`);

/** The run's table: a row per phase; then the failure reasons and anything lost, duplicated or incomplete. */
export function chaosTable(reports: readonly ChaosPhaseReport[]): string {
  const header = [
    'phase',
    'seed',
    'tasks',
    'faults',
    'completed',
    'failed',
    'lost',
    'duplicates',
    'incomplete',
    'audit gaps',
    'p50 ms',
    'p99 ms',
    'wall s',
  ];
  const rows = reports.map((r) => [
    r.topology,
    String(r.seed),
    String(r.tasks),
    [...countByKind(r.faults, r.kinds)].map(([k, n]) => `${k} ${n}`).join(', '),
    String(r.completed),
    String([...r.failed.values()].reduce((a, b) => a + b, 0)),
    String(r.lost.length),
    String(r.duplicates.length),
    String(r.incomplete.length),
    String(r.auditGaps.length),
    ms(r.p50),
    ms(r.p99),
    (r.wallMs / 1000).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  for (const r of reports) {
    const injected = r.faults.map((f) => `${f.kind}@${f.endedAt} (${f.target}, ${f.durationMs} ms)`);
    out.push(`${r.topology} faults: ${injected.join('; ')}`);
    if (r.logs) out.push(`${r.topology} process output: ${r.logs}`);
    for (const [reason, n] of r.failed) out.push(`${r.topology} failed ×${n}: ${reason}`);
    for (const id of r.lost.slice(0, 10)) out.push(`${r.topology} lost: ${id}`);
    for (const key of r.duplicates.slice(0, 10)) out.push(`${r.topology} applied twice: ${key}`);
    for (const gap of [...r.incomplete, ...r.auditGaps].slice(0, 10)) out.push(`${r.topology} gap: ${gap}`);
  }
  return out.join('\n');
}
