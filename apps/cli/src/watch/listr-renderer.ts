import { Listr, type ListrTask, type ListrTaskWrapper } from 'listr2';
import { formatCost, formatInt } from '../render/format.js';
import type { ProgressRenderer } from './plain-renderer.js';
import { describeReview, stepUsage, taskTotals } from './plain-renderer.js';
import { isFinalPhase, parseStepKey, type StepProgress, type TaskProgress } from './task-progress.js';

/** A step of the workflow definition, in the order the workflow lists them. */
export interface StepOutline {
  id: string;
  role: string;
}

// The task wrapper's renderer type parameters do not matter here: only title, output and skip are used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Wrapper = ListrTaskWrapper<unknown, any, any>;

/** The instance key of a step in a round (and fan-out item), as the supervisor names it. */
const keyOf = (stepId: string, round: number, index?: number) =>
  `${stepId}${round > 1 ? `-r${round}` : ''}${index === undefined ? '' : `-${index + 1}`}`;

/**
 * Renders live progress as a listr2 task list with spinners: a row for the task (totals, review requests),
 * then a row per workflow step (fan-outs as sub-rows, one per item), and a group per later round when a
 * review sends the draft back. listr2 runs a fixed list, so rows that appear later (fan-out items, rounds)
 * are subtask lists a row returns once it knows them.
 */
/** A row of the list as it stands: for tests and for anyone who wants the final picture. */
export interface RowSnapshot {
  title: string;
  state: string;
  message?: string;
  rows: RowSnapshot[];
}

export interface ListrRenderer extends ProgressRenderer {
  /** Resolves once every row is final. */
  finished: Promise<void>;
  snapshot(): RowSnapshot[];
}

export function createListrRenderer(
  outline: readonly StepOutline[],
  options: { renderer?: 'default' | 'silent' } = {},
): ListrRenderer {
  let progress: TaskProgress | undefined;
  /** Counts updates, so a row that was busy rendering does not miss one. */
  let version = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    version++;
    for (const check of [...waiters]) check();
  };
  const until = (predicate: (p: TaskProgress) => boolean) =>
    new Promise<TaskProgress>((resolve) => {
      const check = () => {
        if (progress && predicate(progress)) {
          waiters.delete(check);
          resolve(progress);
        }
      };
      waiters.add(check);
      check();
    });
  const changedSince = (seen: number) => until(() => version > seen);
  const final = (p: TaskProgress) => isFinalPhase(p.phase);
  const maxRound = (p: TaskProgress) => Math.max(1, ...[...p.steps.values()].map((s) => s.round));
  /** A round's rows stop waiting once the task is over or a later round started. */
  const roundOver = (p: TaskProgress, round: number) => final(p) || maxRound(p) > round;

  const titleOf = (s: StepProgress) => {
    // Agent ids start with their role (`researcher-host-123`); before one picks the step up, show the role.
    const who = s.agentId ?? s.role ?? '';
    if (s.status === 'succeeded') return `${s.key} · ${who} · ${s.model ?? '?'} · ${stepUsage(s)}`;
    const tokens = s.tokens.input + s.tokens.output;
    return `${s.key} · ${who}${s.attempt > 1 ? ` · attempt ${s.attempt}` : ''}${tokens > 0 ? ` · ${formatInt(tokens)} tokens` : ''}`;
  };

  /** Follows one step instance until it succeeds, is skipped, or fails for good. */
  const followInstance = async (key: string, round: number, task: Wrapper): Promise<void> => {
    let seen = -1;
    for (;;) {
      const p = await changedSince(seen);
      seen = version;
      const s = p.steps.get(key);
      if (s) {
        task.title = titleOf(s);
        if (s.activity) task.output = s.activity;
        if (s.status === 'succeeded') return;
        if (s.status === 'skipped') return task.skip(`${key} · skipped`);
        if (s.status === 'failed' && roundOver(p, round)) throw new Error(`${key} · ${s.error ?? 'failed'}`);
      }
      if (roundOver(p, round) && (!s || s.status !== 'failed')) {
        if (!s || s.status === 'running' || s.status === 'retrying')
          return task.skip(`${key} · stopped (${p.phase})`);
      }
    }
  };

  const stepRow = (def: StepOutline, round: number): ListrTask => ({
    title: round > 1 ? `${def.id} (round ${round}) · ${def.role}` : `${def.id} · ${def.role}`,
    task: async (_ctx, task) => {
      const p = await until(
        (q) =>
          roundOver(q, round) ||
          q.fanOut.has(`${def.id}@${round}`) ||
          [...q.steps.values()].some((s) => s.stepId === def.id && s.round === round),
      );
      const count = p.fanOut.get(`${def.id}@${round}`);
      if (count !== undefined) {
        task.title = `${def.id} · ${def.role} × ${count}`;
        if (count === 0) return;
        return task.newListr(
          Array.from({ length: count }, (_, i) => ({
            title: keyOf(def.id, round, i),
            task: (_c: unknown, sub: Wrapper) => followInstance(keyOf(def.id, round, i), round, sub),
          })),
          { concurrent: true, exitOnError: false },
        );
      }
      const instance = [...p.steps.values()].find((s) => s.stepId === def.id && s.round === round);
      if (!instance) return task.skip(`${def.id} · not run${round > 1 ? ` in round ${round}` : ''}`);
      task.title = titleOf(instance);
      return followInstance(instance.key, round, task);
    },
  });

  /** Invisible until round `round` starts; then a titled group of the steps that run again. */
  const roundRow = (round: number): ListrTask => ({
    task: async (_ctx, task) => {
      const p = await until((q) => final(q) || maxRound(q) >= round);
      const again = [...p.steps.values()].filter((s) => s.round === round);
      if (again.length === 0) return;
      const first = Math.min(
        ...again.map((s) => {
          const i = outline.findIndex((d) => d.id === (s.stepId || parseStepKey(s.key).stepId));
          return i < 0 ? outline.length : i;
        }),
      );
      task.title = `round ${round}: ${p.review?.notes.length ? 'revising after the review' : 'again'}`;
      return task.newListr([...outline.slice(first).map((def) => stepRow(def, round)), roundRow(round + 1)], {
        concurrent: true,
        exitOnError: false,
      });
    },
  });

  const taskRow: ListrTask = {
    title: 'task',
    task: async (_ctx, task) => {
      let seen = -1;
      for (;;) {
        const p = await changedSince(seen);
        seen = version;
        const totals = `${p.agents.size} agent${p.agents.size === 1 ? '' : 's'} · ${formatInt(
          p.usage.inputTokens + p.usage.outputTokens,
        )} tokens · ${formatCost(p.usage.costUsd)}`;
        task.title = `${p.taskId} · ${p.workflow ?? ''} · ${p.phase.replace('_', ' ')} · ${totals}`;
        if (p.phase === 'awaiting_review') {
          task.output = `waiting for a person: the reviewer says ${describeReview(p)} → troupe review ${p.taskId} approve|reject|revise`;
        } else if (p.review?.decision) {
          task.output = `review: ${p.review.decision} by ${p.review.by ?? 'agent'}`;
        }
        if (p.phase === 'completed') {
          task.title = `${p.taskId} · ${p.workflow ?? ''} · completed · ${taskTotals(p)}`;
          return;
        }
        if (p.phase === 'failed' || p.phase === 'cancelled')
          throw new Error(`${p.taskId} · ${p.phase}: ${p.error?.message ?? ''}`);
      }
    },
  };

  const listr = new Listr([taskRow, ...outline.map((def) => stepRow(def, 1)), roundRow(2)], {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: options.renderer ?? 'default',
    rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
  });
  const finished = listr.run().then(
    () => undefined,
    () => undefined,
  );
  type TaskLike = {
    title?: string;
    state: string;
    message?: { error?: string; skip?: string };
    subtasks?: TaskLike[];
  };
  const snap = (tasks: readonly TaskLike[]): RowSnapshot[] =>
    tasks
      .filter((t) => t.title !== undefined)
      .map((t) => {
        const message = t.message?.error ?? t.message?.skip;
        return {
          title: t.title!,
          state: t.state,
          ...(message ? { message } : {}),
          rows: snap(t.subtasks ?? []),
        };
      });
  return {
    finished,
    snapshot: () => snap(listr.tasks as unknown as TaskLike[]),
    update(p) {
      progress = p;
      notify();
    },
    end(p) {
      progress = p;
      notify();
    },
  };
}
