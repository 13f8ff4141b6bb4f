import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * Time a process's threads have spent runnable but waiting for a core, in milliseconds (the second field of
 * each thread's /proc schedstat); 0 once it is gone or where the kernel keeps no schedstats.
 */
export function waitMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
    return ns / 1e6;
  } catch {
    return 0;
  }
}

export type CpuGroups = Record<string, readonly (number | undefined)[]>;

function readGroups(groups: CpuGroups, of: (pid: number | undefined) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups))
    out[name] = pids.reduce<number>((sum, pid) => sum + of(pid), 0);
  return out;
}

/** A reading of the CPU time of groups of processes (this process is the pid `process.pid`). */
export const readCpu = (groups: CpuGroups): Record<string, number> => readGroups(groups, cpuMsOf);

/** A reading of the time groups of processes have waited for a core. */
export const readWait = (groups: CpuGroups): Record<string, number> => readGroups(groups, waitMsOf);

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

/** What some work cost the machine, per task: CPU, time spent waiting for a core, and cores kept busy. */
export interface LoadReading {
  /** CPU ms per task by group, plus `total`. */
  cpuMsPerTask: Record<string, number>;
  /** ms per task the groups' threads were runnable but waited for a core, plus `total`. */
  waitMsPerTask: Record<string, number>;
  /** Average number of cores the groups kept busy meanwhile. */
  coresBusy: number;
}

/** Runs `work` (which does `tasks` tasks) and reads what it cost the groups of processes. */
export async function measureLoad<T>(
  groups: CpuGroups,
  tasks: number,
  work: () => Promise<T>,
): Promise<{ result: T; load: LoadReading }> {
  const [cpu0, wait0, t0] = [readCpu(groups), readWait(groups), performance.now()];
  const result = await work();
  const [cpu1, wait1, wallMs] = [readCpu(groups), readWait(groups), performance.now() - t0];
  const cpuMsPerTask = cpuPer(cpu0, cpu1, tasks);
  return {
    result,
    load: {
      cpuMsPerTask,
      waitMsPerTask: cpuPer(wait0, wait1, tasks),
      coresBusy: round((cpuMsPerTask['total']! * tasks) / wallMs, 2),
    },
  };
}
