import type { AuditRecord } from '@troupe/bus';
import type { TaskRecord } from '@troupe/supervisor';
import { acceptsPerStep } from '../fixtures/task-audit.js';

/** The steps every completed `report` has (a revision adds `draft-r2`, `review-r2`, ...). */
export const REPORT_STEPS = ['plan', 'research-1', 'research-2', 'research-3', 'analyse', 'draft', 'review'];

export interface ChaosOutcome {
  tasks: number;
  completed: number;
  /** Failed tasks by reason (`code at stepKey: message`). */
  failed: Map<string, number>;
  /** Submitted ids with no final record (none, or one still running), with the status and last audit record. */
  lost: string[];
  /** `taskId/stepKey` whose result was accepted more than once. */
  duplicates: string[];
  /** Completed tasks whose result lacks a step or the document: `taskId: what`. */
  incomplete: string[];
  /** Completed tasks whose audit log lacks a record: `taskId: what`. */
  auditGaps: string[];
}

const FINAL = new Set(['completed', 'failed']);

function failureReason(record: TaskRecord): string {
  if (!record.error) return 'no reason given';
  const at = record.error.stepKey ? ` at ${record.error.stepKey}` : '';
  return `${record.error.code}${at}: ${record.error.message.slice(0, 80)}`;
}

function resultGaps(record: TaskRecord): string[] {
  const result = record.result as { document?: unknown; steps?: Record<string, unknown> } | undefined;
  const gaps: string[] = [];
  if (typeof result?.document !== 'string' || !/^# \S/m.test(result.document)) gaps.push('no document');
  for (const step of REPORT_STEPS) if (result?.steps?.[step] == null) gaps.push(`no ${step}`);
  return gaps;
}

function auditGaps(record: TaskRecord, audit: readonly AuditRecord[]): string[] {
  const steps = Object.keys((record.result as { steps?: Record<string, unknown> }).steps ?? {});
  const has = (type: string, stepKey?: string, actor?: RegExp) =>
    audit.some((a) => a.type === type && a.stepKey === stepKey && (!actor || actor.test(a.actor)));
  const hasAgentRecord = (stepKey: string) =>
    audit.some((a) => a.stepKey === stepKey && a.actor.startsWith('agent:'));
  const gaps: string[] = [];
  if (!has('task.started')) gaps.push('no task.started');
  if (!has('task.completed')) gaps.push('no task.completed');
  for (const step of steps) {
    if (!has('step.dispatched', step)) gaps.push(`no step.dispatched ${step}`);
    if (!audit.some((a) => a.stepKey === step && a.decision === 'accept')) gaps.push(`no accept ${step}`);
    if (!hasAgentRecord(step)) gaps.push(`no agent record ${step}`);
  }
  return gaps;
}

/**
 * Checks a run after the fact: every submitted task final, each step result accepted at most once, every
 * completed report whole, and its audit log holding the start, the end, and each step's dispatch, the
 * agent's own records and the acceptance.
 */
export function checkChaosRun(
  ids: readonly string[],
  records: ReadonlyMap<string, TaskRecord | undefined>,
  audit: readonly AuditRecord[],
): ChaosOutcome {
  const auditOf = new Map<string, AuditRecord[]>();
  for (const a of audit) auditOf.set(a.taskId, [...(auditOf.get(a.taskId) ?? []), a]);
  const outcome: ChaosOutcome = {
    tasks: ids.length,
    completed: 0,
    failed: new Map(),
    lost: [],
    duplicates: [],
    incomplete: [],
    auditGaps: [],
  };
  const wanted = new Set(ids);
  for (const [key, n] of acceptsPerStep(audit))
    if (n > 1 && wanted.has(key.split('/')[0]!)) outcome.duplicates.push(key);
  for (const id of ids) {
    const record = records.get(id);
    if (!record || !FINAL.has(record.status)) {
      const last = auditOf.get(id)?.at(-1);
      const where = last ? `, last audit ${last.type} ${last.stepKey ?? ''}`.trimEnd() : '';
      outcome.lost.push(`${id} (${record?.status ?? 'no record'}${where})`);
      continue;
    }
    if (record.status === 'failed') {
      const reason = failureReason(record);
      outcome.failed.set(reason, (outcome.failed.get(reason) ?? 0) + 1);
      continue;
    }
    outcome.completed++;
    const gaps = resultGaps(record);
    if (gaps.length) outcome.incomplete.push(`${id}: ${gaps.join(', ')}`);
    const missing = auditGaps(record, auditOf.get(id) ?? []);
    if (missing.length) outcome.auditGaps.push(`${id}: ${missing.join(', ')}`);
  }
  return outcome;
}

/** The `p`-th percentile (0..100) of `values`, nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
