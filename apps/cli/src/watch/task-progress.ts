import type { TaskEvent } from '@troupe/client';
import { modelLabel } from '../render/format.js';

/** One step instance as the events tell it. */
export interface StepProgress {
  key: string;
  stepId: string;
  role?: string;
  round: number;
  status: 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';
  attempt: number;
  agentId?: string;
  model?: string;
  /** What the agent is doing now: `model call 2`, `search_corpus`. */
  activity?: string;
  /** Live while running (sum of model results), the step's usage once it succeeded. */
  tokens: { input: number; output: number };
  costUsd: number;
  latencyMs?: number;
  error?: string;
}

export type TaskPhase = 'queued' | 'running' | 'awaiting_review' | 'completed' | 'failed' | 'cancelled';

export interface ReviewProgress {
  verdict?: string;
  confidence?: number;
  threshold?: number;
  notes: string[];
  decision?: string;
  by?: string;
}

/** What the events of one task say so far; `applyEvent` moves it on. */
export interface TaskProgress {
  taskId: string;
  workflow?: string;
  phase: TaskPhase;
  startedAt?: number;
  endedAt?: number;
  /** Step instances in the order they appeared. */
  steps: Map<string, StepProgress>;
  /** Fan-out sizes by `stepId` and round: `research@1` → 4. */
  fanOut: Map<string, number>;
  agents: Set<string>;
  models: Set<string>;
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  review?: ReviewProgress;
  error?: { code?: string; message: string; stepKey?: string };
}

/** What one event changed, for renderers that print a line per change. */
export type ProgressChange =
  | { kind: 'task'; type: 'started' | 'completed' | 'failed' | 'cancelled' }
  | {
      kind: 'step';
      key: string;
      type: 'dispatched' | 'activity' | 'succeeded' | 'failed' | 'retrying' | 'skipped';
    }
  | { kind: 'fan-out'; key: string; stepId: string; round: number; count: number }
  | { kind: 'review'; type: 'requested' | 'decided'; key?: string }
  | { kind: 'note'; text: string }
  | { kind: 'none' };

export function createTaskProgress(taskId: string): TaskProgress {
  return {
    taskId,
    phase: 'queued',
    steps: new Map(),
    fanOut: new Map(),
    agents: new Set(),
    models: new Set(),
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The step id and round a step key stands for when no dispatch event said it (`draft-r2` → draft, 2). */
export function parseStepKey(key: string): { stepId: string; round: number } {
  const m = /^(.*?)(?:-r(\d+))?(?:-(\d+))?$/.exec(key);
  return { stepId: m?.[1] || key, round: m?.[2] ? Number(m[2]) : 1 };
}

function stepOf(p: TaskProgress, key: string): StepProgress {
  let step = p.steps.get(key);
  if (!step) {
    const { stepId, round } = parseStepKey(key);
    step = { key, stepId, round, status: 'running', attempt: 1, tokens: { input: 0, output: 0 }, costUsd: 0 };
    p.steps.set(key, step);
  }
  return step;
}

function recomputeUsage(p: TaskProgress): void {
  const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const s of p.steps.values()) {
    usage.inputTokens += s.tokens.input;
    usage.outputTokens += s.tokens.output;
    usage.costUsd += s.costUsd;
  }
  p.usage = usage;
}

/** Applies one progress event (supervisor or agent) to the task's progress and says what changed. */
export function applyEvent(p: TaskProgress, event: TaskEvent): ProgressChange {
  const d = event.data as Record<string, unknown>;
  const key = event.stepKey;
  const agentId = str(d['agentId']);
  if (agentId) p.agents.add(agentId);
  switch (event.type) {
    case 'task.started':
      p.phase = 'running';
      p.startedAt = event.at;
      p.workflow = str(d['workflow']) ?? p.workflow;
      return { kind: 'task', type: 'started' };
    case 'step.fanned_out': {
      const stepId = str(d['stepId']) ?? (key ? parseStepKey(key).stepId : '?');
      const round = num(d['round']) ?? 1;
      const count = num(d['count']) ?? 0;
      p.fanOut.set(`${stepId}@${round}`, count);
      return { kind: 'fan-out', key: key ?? stepId, stepId, round, count };
    }
    case 'step.dispatched': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      step.stepId = str(d['stepId']) ?? step.stepId;
      step.role = str(d['role']) ?? step.role;
      step.round = num(d['round']) ?? step.round;
      step.attempt = num(d['attempt']) ?? step.attempt;
      step.status = 'running';
      step.activity = 'waiting for an agent';
      delete step.error;
      if (p.phase === 'queued') p.phase = 'running';
      return { kind: 'step', key, type: 'dispatched' };
    }
    case 'model.call':
    case 'model.result':
    case 'tool.call':
    case 'tool.result':
    case 'output.repair':
    case 'context.trimmed': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      if (agentId) step.agentId = agentId;
      const model = str(d['model']) ? modelLabel(str(d['provider']), String(d['model'])) : undefined;
      if (model) step.model = model;
      if (step.status !== 'running') return { kind: 'none' };
      const round = num(d['round']);
      if (event.type === 'model.call') step.activity = `model call${round !== undefined ? ` ${round}` : ''}`;
      else if (event.type === 'tool.call') step.activity = `tool ${str(d['tool']) ?? '?'}`;
      else if (event.type === 'output.repair') step.activity = 'repairing its output';
      else if (event.type === 'model.result') {
        step.tokens.input += num(d['inputTokens']) ?? 0;
        step.tokens.output += num(d['outputTokens']) ?? 0;
        step.activity = 'thinking';
        recomputeUsage(p);
      }
      return { kind: 'step', key, type: 'activity' };
    }
    case 'step.succeeded': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      step.status = 'succeeded';
      delete step.activity;
      if (agentId) step.agentId = agentId;
      const provider = str(d['provider']);
      const model = str(d['model']);
      if (model) step.model = modelLabel(provider, model);
      if (step.model) p.models.add(step.model);
      const tokens = d['tokens'] as { input?: unknown; output?: unknown } | undefined;
      step.tokens = {
        input: num(tokens?.input) ?? step.tokens.input,
        output: num(tokens?.output) ?? step.tokens.output,
      };
      step.costUsd = num(d['costUsd']) ?? 0;
      const latency = num(d['latencyMs']);
      if (latency !== undefined) step.latencyMs = latency;
      recomputeUsage(p);
      return { kind: 'step', key, type: 'succeeded' };
    }
    case 'step.failed':
    case 'step.timeout':
    case 'step.lost': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      const error = d['error'] as { message?: unknown } | undefined;
      step.error =
        str(error?.message) ??
        str(d['message']) ??
        (event.type === 'step.timeout'
          ? 'timed out'
          : event.type === 'step.lost'
            ? 'its agent was lost'
            : 'failed');
      step.status = 'failed';
      return { kind: 'step', key, type: 'failed' };
    }
    case 'step.retry_scheduled':
    case 'step.fallback': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      step.status = 'retrying';
      step.activity = event.type === 'step.fallback' ? 'falling back' : 'retry scheduled';
      return { kind: 'step', key, type: 'retrying' };
    }
    case 'step.skipped': {
      if (!key) return { kind: 'none' };
      const step = stepOf(p, key);
      step.status = 'skipped';
      return { kind: 'step', key, type: 'skipped' };
    }
    case 'review.requested':
      p.phase = 'awaiting_review';
      p.review = {
        ...(str(d['verdict']) ? { verdict: String(d['verdict']) } : {}),
        ...(num(d['confidence']) !== undefined ? { confidence: num(d['confidence'])! } : {}),
        ...(num(d['threshold']) !== undefined ? { threshold: num(d['threshold'])! } : {}),
        notes: strings(d['notes']),
      };
      return { kind: 'review', type: 'requested', ...(key ? { key } : {}) };
    case 'review.decided':
      if (p.phase === 'awaiting_review') p.phase = 'running';
      p.review = {
        ...p.review,
        ...(str(d['verdict']) ? { verdict: String(d['verdict']) } : {}),
        ...(num(d['confidence']) !== undefined ? { confidence: num(d['confidence'])! } : {}),
        ...(num(d['threshold']) !== undefined ? { threshold: num(d['threshold'])! } : {}),
        notes: strings(d['notes']),
        ...(str(d['decision']) ? { decision: String(d['decision']) } : {}),
        by: str(d['by']) ?? 'agent',
      };
      return { kind: 'review', type: 'decided', ...(key ? { key } : {}) };
    case 'step.loop':
      return {
        kind: 'note',
        text: `another round (${String(d['round'] ?? '?')}) of ${str(d['to']) ?? 'the loop'}`,
      };
    case 'budget.alert':
      return { kind: 'note', text: `budget alert: ${JSON.stringify(d)}` };
    case 'budget.exceeded':
      return { kind: 'note', text: `budget exceeded: ${JSON.stringify(d)}` };
    case 'task.completed': {
      p.phase = 'completed';
      p.endedAt = event.at;
      const usage = d['usage'] as
        { inputTokens?: unknown; outputTokens?: unknown; costUsd?: unknown } | undefined;
      if (usage) {
        p.usage = {
          inputTokens: num(usage.inputTokens) ?? p.usage.inputTokens,
          outputTokens: num(usage.outputTokens) ?? p.usage.outputTokens,
          costUsd: num(usage.costUsd) ?? p.usage.costUsd,
        };
      }
      return { kind: 'task', type: 'completed' };
    }
    case 'task.failed':
      p.phase = 'failed';
      p.endedAt = event.at;
      p.error = {
        message: str(d['message']) ?? 'failed',
        ...(str(d['code']) ? { code: String(d['code']) } : {}),
        ...(str(d['stepKey']) ? { stepKey: String(d['stepKey']) } : {}),
      };
      return { kind: 'task', type: 'failed' };
    case 'task.cancelled':
      p.phase = 'cancelled';
      p.endedAt = event.at;
      p.error = { message: `cancelled${str(d['reason']) ? `: ${String(d['reason'])}` : ''}` };
      return { kind: 'task', type: 'cancelled' };
    default:
      return { kind: 'none' };
  }
}

export const isFinalPhase = (phase: TaskPhase): boolean =>
  phase === 'completed' || phase === 'failed' || phase === 'cancelled';
