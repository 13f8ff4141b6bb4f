import { formatCost, formatDuration, formatInt } from '../render/format.js';
import type { ProgressChange, StepProgress, TaskProgress } from './task-progress.js';

/** Renders progress as one line per change, for logs, pipes and CI (no TTY). */
export interface ProgressRenderer {
  update(progress: TaskProgress, change: ProgressChange): void;
  /** The stream ended: the final state. */
  end(progress: TaskProgress): void;
}

export const stepUsage = (s: StepProgress): string => {
  const parts = [`${formatInt(s.tokens.input + s.tokens.output)} tokens`, formatCost(s.costUsd)];
  if (s.latencyMs !== undefined) parts.push(formatDuration(s.latencyMs));
  return parts.join(' · ');
};

export const taskTotals = (p: TaskProgress): string =>
  [
    `${p.steps.size} steps`,
    `${p.agents.size} agent${p.agents.size === 1 ? '' : 's'}`,
    `${formatInt(p.usage.inputTokens + p.usage.outputTokens)} tokens`,
    formatCost(p.usage.costUsd),
  ].join(' · ');

export function describeReview(p: TaskProgress): string {
  const r = p.review;
  if (!r) return '';
  const confidence =
    r.confidence !== undefined
      ? ` (confidence ${r.confidence.toFixed(2)}${r.threshold !== undefined ? `, threshold ${r.threshold}` : ''})`
      : '';
  return `${r.verdict ?? '?'}${confidence}`;
}

export function createPlainRenderer(
  write: (line: string) => void,
  clock: () => number = Date.now,
): ProgressRenderer {
  const started = clock();
  const stamp = () => `[${((clock() - started) / 1000).toFixed(1).padStart(5)}s]`;
  const line = (what: string, text: string) => write(`${stamp()} ${what.padEnd(14)} ${text}`);
  const lastActivity = new Map<string, string>();
  return {
    update(p, change) {
      switch (change.kind) {
        case 'task':
          if (change.type === 'started') line('task', `${p.taskId} started (${p.workflow ?? 'workflow'})`);
          else if (change.type === 'completed') line('task', `completed · ${taskTotals(p)}`);
          else line('task', `${change.type}: ${p.error?.message ?? ''}`);
          return;
        case 'step': {
          const s = p.steps.get(change.key);
          if (!s) return;
          if (change.type === 'dispatched')
            line(s.key, `→ ${s.role ?? '?'}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`);
          else if (change.type === 'activity') {
            // A model round that calls the same tool several times shows once.
            const text = s.activity?.startsWith('tool ')
              ? `${s.agentId ?? 'agent'} calls ${s.activity.slice(5)}`
              : undefined;
            if (text && lastActivity.get(s.key) !== text) line(s.key, text);
            if (s.activity?.startsWith('model call')) lastActivity.delete(s.key);
            else if (text) lastActivity.set(s.key, text);
          } else if (change.type === 'succeeded')
            line(s.key, `✔ ${s.role ?? ''} · ${s.agentId ?? '?'} · ${s.model ?? '?'} · ${stepUsage(s)}`);
          else if (change.type === 'failed') line(s.key, `✖ ${s.error ?? 'failed'}`);
          else if (change.type === 'retrying') line(s.key, `↻ ${s.activity ?? 'retrying'}`);
          else if (change.type === 'skipped') line(s.key, '↓ skipped');
          return;
        }
        case 'fan-out':
          line(change.key, `fans out into ${change.count} step${change.count === 1 ? '' : 's'}`);
          return;
        case 'review':
          if (change.type === 'requested')
            line(change.key ?? 'review', `waiting for a person: the reviewer says ${describeReview(p)}`);
          else {
            const r = p.review;
            const confidence = r?.confidence !== undefined ? ` (confidence ${r.confidence.toFixed(2)})` : '';
            line(
              change.key ?? 'review',
              `${r?.decision ?? r?.verdict ?? '?'} by ${r?.by ?? 'agent'}${confidence}`,
            );
          }
          return;
        case 'note':
          line('note', change.text);
          return;
        case 'none':
          return;
      }
    },
    end() {},
  };
}
