import { round } from './stats.js';

/**
 * How every system of the benchmark is warmed up before its timed runs, the same rule for Troupe, the bus
 * floor and the peers: bursts of `burst` tasks until the last three bursts' rates are within `tolerance` of
 * their median (the JIT has tiered up the hot paths and the young generation has grown to the load), after
 * at least `minTasks` and at most `maxTasks` tasks.
 */
export interface WarmUpRule {
  burst: number;
  minTasks: number;
  maxTasks: number;
  tolerance: number;
}

export interface WarmUpReport {
  /** Tasks run before the timed ones. */
  tasks: number;
  /** tasks/s of each warm-up burst. */
  rates: number[];
  /** False when `maxTasks` ran out before the rates settled. */
  steady: boolean;
}

export const DEFAULT_WARM_UP: WarmUpRule = { burst: 500, minTasks: 2_000, maxTasks: 8_000, tolerance: 0.08 };

/**
 * Tasks that warm each process new to a run of steps that wait like a model call. Their rate is set by the
 * wait and stays flat while the processes are still cold — their CPU per task halves over the first ~3,000
 * (agents 7.2 → 3.5 ms, supervisor 6.6 → 3.1 ms, measured) — so the rule that watches the rate cannot tell:
 * every process that shares the work gets the steady rule's minimum instead.
 */
export const WAITING_WARM_UP_PER_PROCESS = DEFAULT_WARM_UP.minTasks;

/** The rule for `--quick`: the same shape, a fifth of the tasks. */
export function scaledWarmUp(rule: WarmUpRule, factor: number): WarmUpRule {
  const scale = (n: number) => Math.max(5, Math.round(n * factor));
  return {
    ...rule,
    burst: scale(rule.burst),
    minTasks: scale(rule.minTasks),
    maxTasks: scale(rule.maxTasks),
  };
}

/** Settled: the last three rates all within `tolerance` of their median. */
export function settled(rates: readonly number[], tolerance: number): boolean {
  if (rates.length < 3) return false;
  const last = rates.slice(-3);
  const median = [...last].sort((a, b) => a - b)[1]!;
  return last.every((r) => Math.abs(r - median) <= tolerance * median);
}

/** Runs `burst(n)` (which resolves with its tasks/s) until the rule says the system is warm. */
export async function warmUntilSteady(
  burst: (tasks: number) => Promise<number>,
  rule: WarmUpRule = DEFAULT_WARM_UP,
): Promise<WarmUpReport> {
  const rates: number[] = [];
  let tasks = 0;
  while (tasks < rule.maxTasks) {
    const n = Math.min(rule.burst, rule.maxTasks - tasks);
    rates.push(round(await burst(n), 1));
    tasks += n;
    if (tasks >= rule.minTasks && settled(rates, rule.tolerance)) return { tasks, rates, steady: true };
  }
  return { tasks, rates, steady: false };
}

/** `warmUntilSteady`'s burst from one that says how long its `tasks` took together. */
export const ratedBursts =
  (run: (tasks: number) => Promise<{ wallMs: number }>) =>
  async (tasks: number): Promise<number> =>
    (tasks / (await run(tasks)).wallMs) * 1000;

/** One untimed burst of `tasks`: where waiting, not CPU, bounds the rate (steps that wait like a model call). */
export const oneBurst = (tasks: number): WarmUpRule => ({
  burst: tasks,
  minTasks: tasks,
  maxTasks: tasks,
  tolerance: 1,
});

/** One line on how a system was warmed up: its tasks and each burst's rate. */
export function warmUpLine(system: string, report: WarmUpReport | undefined): string {
  if (!report) return `${system}: no warm-up`;
  const settledOrNot = report.steady ? 'settled' : 'not settled within the limit';
  return `${system}: ${report.tasks.toLocaleString('en')} tasks, ${settledOrNot} (tasks/s ${report.rates.join(' → ')})`;
}
