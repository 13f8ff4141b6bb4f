import type { TaskRecord } from './task-record.js';

/** Characters of an earlier task's result carried into a continuing task (about 2,000 tokens). */
const THREAD_BUDGET = 8_000;

export interface Thread {
  taskId: string;
  workflow: string;
  status: string;
  input: unknown;
  summary: string;
  notes: string[];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n…[truncated]`;
}

/**
 * The context a continuing task starts from: the earlier task's input, its result (the document when it
 * has one), and its review notes, shortened to fit a model's window.
 */
export function buildThread(previous: TaskRecord | undefined): Thread | undefined {
  if (!previous) return undefined;
  const result = (previous.result ?? {}) as Record<string, unknown>;
  const document = typeof result['document'] === 'string' ? result['document'] : undefined;
  const answer = typeof result['answer'] === 'string' ? result['answer'] : undefined;
  const review = result['review'] as { notes?: unknown } | undefined;
  const notes = Array.isArray(review?.notes)
    ? review.notes.filter((n): n is string => typeof n === 'string')
    : [];
  const summary = truncate(document ?? answer ?? JSON.stringify(previous.result ?? null), THREAD_BUDGET);
  return {
    taskId: previous.taskId,
    workflow: previous.workflow,
    status: previous.status,
    input: previous.input,
    summary,
    notes: notes.slice(0, 20),
  };
}
