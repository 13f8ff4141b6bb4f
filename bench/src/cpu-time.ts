import { readFileSync } from 'node:fs';
import { round } from './stats.js';

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SEC = 100;

/** CPU time (user + system) a process has used so far, in milliseconds; 0 once it is gone. */
export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) / TICKS_PER_SEC) * 1000;
  } catch {
    return 0;
  }
}

export type CpuGroups = Record<string, readonly (number | undefined)[]>;

/** A reading of the CPU time of groups of processes (this process is the pid `process.pid`). */
export function readCpu(groups: CpuGroups): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups))
    out[name] = pids.reduce<number>((sum, pid) => sum + cpuMsOf(pid), 0);
  return out;
}

/** CPU milliseconds per unit of work between two readings, by group, plus the total. */
export function cpuPer(
  before: Record<string, number>,
  after: Record<string, number>,
  units: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, ms] of Object.entries(after)) {
    const used = ms - (before[name] ?? 0);
    out[name] = round(used / units, 3);
    total += used;
  }
  out['total'] = round(total / units, 3);
  return out;
}
