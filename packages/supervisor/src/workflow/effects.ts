import type { TaskErrorCode } from './errors.js';

import { ProgressEventType } from '@troupe/bus';

export { ProgressEventType };

/** The decision an audit record documents. */
export const AuditDecision = {
  Start: 'start',
  Dispatch: 'dispatch',
  Accept: 'accept',
  RejectOutput: 'reject-output',
  Retry: 'retry',
  Fallback: 'fallback',
  Fail: 'fail',
  Reassign: 'reassign',
  Timeout: 'timeout',
  Skip: 'skip',
  FanOut: 'fan-out',
  Loop: 'loop',
  Alert: 'alert',
  Stop: 'stop',
  Downgrade: 'downgrade',
  Park: 'park',
  Approve: 'approve',
  Revise: 'revise',
  Reject: 'reject',
  RoundsExhausted: 'rounds-exhausted',
  Complete: 'complete',
  Cancel: 'cancel',
} as const;
export type AuditDecision = (typeof AuditDecision)[keyof typeof AuditDecision];

export type TaskStatus = 'running' | 'awaiting_review' | 'completed' | 'failed' | 'cancelled';
export type FinalTaskStatus = 'completed' | 'failed' | 'cancelled';

export interface TaskError {
  code: TaskErrorCode;
  /** A sentence a person can read: "step research-2 failed after 3 attempts: upstream 503". */
  message: string;
  stepKey?: string;
}

/**
 * What a transition asks the runtime to do. Every effect has an `id` (`${taskId}.${seq}.${n}`), stable for
 * the transition that produced it, to use as `Nats-Msg-Id` so carrying effects out twice is harmless.
 */
export interface DispatchEffect {
  kind: 'dispatch';
  id: string;
  /** `${taskId}.${stepKey}.${attempt}`: the assignment's `Nats-Msg-Id`. */
  dispatchId: string;
  stepKey: string;
  stepId: string;
  attempt: number;
  round: number;
  role: string;
  input: unknown;
  /** `provider:model` when the step, the task's `models`, a fallback or a budget downgrade chose one. */
  model?: string;
  /** Set when the budget is spent under the `downgrade` policy and no `cheapModel` is configured. */
  tier?: 'cheap';
  timeoutMs: number;
  deadline: number;
  dispatchedAt: number;
}

export interface AbortEffect {
  kind: 'abort';
  id: string;
  stepKeys: string[];
  reason: string;
}

export interface EventEffect {
  kind: 'event';
  id: string;
  type: ProgressEventType;
  at: number;
  stepKey?: string;
  data: Record<string, unknown>;
}

/** Shaped like `AuditRecord` of `@troupe/bus`, less `v` and `taskId` which the runtime adds. */
export interface AuditEffect {
  kind: 'audit';
  id: string;
  type: string;
  at: number;
  /** `supervisor`, or `human:<by>` for a person's review decision. */
  actor: string;
  stepKey?: string;
  attempt?: number;
  agentId?: string;
  model?: string;
  tokens?: { input: number; output: number };
  costUsd?: number;
  durationMs?: number;
  decision: AuditDecision;
  error?: string;
  data: Record<string, unknown>;
}

export interface CompleteEffect {
  kind: 'complete';
  id: string;
  status: FinalTaskStatus;
  /** The workflow's result; for a task that ended early, its partial result. */
  result?: unknown;
  error?: TaskError;
}

export type Effect = DispatchEffect | AbortEffect | EventEffect | AuditEffect | CompleteEffect;
export type EffectKind = Effect['kind'];
