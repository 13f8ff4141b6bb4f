import type { Usage } from '@troupe/bus';
import { TaskErrorCode } from './errors.js';
import { AuditDecision, ProgressEventType } from './effects.js';
import type { BudgetDimension, EngineContext } from './context.js';
import { failTask } from './finish.js';
import type { Txn } from './txn.js';
import { audit, progress } from './txn.js';

/** Share of a budget at which `budget.alert` goes out (once per dimension). */
export const BUDGET_ALERT_RATIO = 0.8;

export function addUsage(t: Txn, usage: Usage | undefined): void {
  if (!usage) return;
  t.ctx.usage.inputTokens += usage.inputTokens;
  t.ctx.usage.outputTokens += usage.outputTokens;
  // Rounded to a micro-dollar so sums of float costs stay readable and replay identically.
  t.ctx.usage.costUsd = Math.round((t.ctx.usage.costUsd + usage.costUsd) * 1e6) / 1e6;
}

function spent(ctx: EngineContext, dimension: 'tokens' | 'costUsd'): number {
  return dimension === 'tokens' ? ctx.usage.inputTokens + ctx.usage.outputTokens : ctx.usage.costUsd;
}

function describe(dimension: BudgetDimension, used: number, limit: number): string {
  switch (dimension) {
    case 'tokens':
      return `token budget exceeded: ${used} of ${limit} tokens used`;
    case 'costUsd':
      return `cost budget exceeded: $${used} of $${limit} spent`;
    case 'wallTimeMs':
      return `wall-time budget exceeded: ${used} ms of ${limit} ms`;
  }
}

function alert(t: Txn, dimension: BudgetDimension, used: number, limit: number): void {
  if (t.ctx.budget.alerted.includes(dimension)) return;
  t.ctx.budget.alerted.push(dimension);
  const data = { dimension, used, limit, ratio: Math.round((used / limit) * 1000) / 1000 };
  progress(t, ProgressEventType.BudgetAlert, data);
  audit(t, { type: 'budget.alert', decision: AuditDecision.Alert, data });
}

function stop(t: Txn, dimension: BudgetDimension, used: number, limit: number): void {
  const data = { dimension, used, limit, policy: 'stop' };
  progress(t, ProgressEventType.BudgetExceeded, data);
  audit(t, { type: 'budget.exceeded', decision: AuditDecision.Stop, data });
  failTask(t, { code: TaskErrorCode.BudgetExceeded, message: describe(dimension, used, limit) });
}

/**
 * Tokens and cost against the task's budget: an alert at 80% (once), and past 100% the task's
 * `budgetPolicy`: `stop` ends the task (BUDGET_EXCEEDED, partial results), `downgrade` sends every further
 * dispatch to `cheapModel` (or with a `tier: 'cheap'` hint). Returns false when the task stopped.
 */
export function checkSpend(t: Txn): boolean {
  const { budget, budgetPolicy, cheapModel } = t.ctx.options;
  for (const dimension of ['tokens', 'costUsd'] as const) {
    const limit = budget[dimension];
    if (limit === undefined) continue;
    const used = spent(t.ctx, dimension);
    if (used >= limit * BUDGET_ALERT_RATIO) alert(t, dimension, used, limit);
    if (used <= limit || t.ctx.budget.exceeded.includes(dimension)) continue;
    t.ctx.budget.exceeded.push(dimension);
    if (budgetPolicy === 'stop') {
      stop(t, dimension, used, limit);
      return false;
    }
    t.ctx.budget.downgraded = true;
    const data: Record<string, unknown> = { dimension, used, limit, policy: 'downgrade' };
    if (cheapModel !== undefined) data.model = cheapModel;
    else data.tier = 'cheap';
    progress(t, ProgressEventType.BudgetExceeded, data);
    audit(t, { type: 'budget.exceeded', decision: AuditDecision.Downgrade, data });
  }
  return true;
}

/** When the wall-time alert falls due (the task is not waiting for a person), or undefined. */
export function wallAlertAt(ctx: EngineContext): number | undefined {
  const limit = ctx.options.budget.wallTimeMs;
  const deadline = ctx.budget.wallDeadline;
  if (limit === undefined || deadline === undefined || ctx.review.pending) return undefined;
  if (ctx.budget.alerted.includes('wallTimeMs')) return undefined;
  return deadline - limit * (1 - BUDGET_ALERT_RATIO);
}

/**
 * Active time against `wallTimeMs` (time spent waiting for a person is not counted): an alert at 80%, and
 * at the deadline the task stops with its partial results, whatever the budget policy. False when stopped.
 */
export function checkWallTime(t: Txn): boolean {
  const limit = t.ctx.options.budget.wallTimeMs;
  const deadline = t.ctx.budget.wallDeadline;
  if (limit === undefined || deadline === undefined || t.ctx.review.pending) return true;
  const used = limit - (deadline - t.at);
  const alertAt = wallAlertAt(t.ctx);
  if (alertAt !== undefined && t.at >= alertAt) alert(t, 'wallTimeMs', used, limit);
  if (t.at < deadline) return true;
  t.ctx.budget.exceeded.push('wallTimeMs');
  stop(t, 'wallTimeMs', used, limit);
  return false;
}
