import { Role, TaskState, type Artifact, type Message, type Part, type Task } from '@a2a-js/sdk';
import type { TaskStatus } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';

/** Metadata keys the A2A side stores on a Troupe task. */
export const A2AMeta = {
  ContextId: 'a2a.contextId',
  MessageId: 'a2a.messageId',
} as const;

export const A2A_STATE: Record<TaskStatus, TaskState> = {
  queued: TaskState.TASK_STATE_SUBMITTED,
  running: TaskState.TASK_STATE_WORKING,
  awaiting_review: TaskState.TASK_STATE_INPUT_REQUIRED,
  completed: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
};

/** States after which the A2A task takes no more input on its own: final, or waiting for a person. */
export function isInterrupted(status: TaskStatus): boolean {
  return (
    status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'awaiting_review'
  );
}

export const textPart = (text: string, mediaType = 'text/plain'): Part => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType,
});

export const dataPart = (value: unknown): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

export function message(
  role: Role,
  text: string,
  ids: { messageId: string; taskId: string; contextId: string },
): Message {
  return {
    messageId: ids.messageId,
    contextId: ids.contextId,
    taskId: ids.taskId,
    role,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function contextIdOf(record: TaskRecord): string {
  return record.metadata[A2AMeta.ContextId] ?? record.taskId;
}

/** The text of a result: a report's document, an answer, else the JSON. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    for (const field of ['document', 'answer', 'text', 'summary']) {
      if (typeof r[field] === 'string' && r[field] !== '') return r[field];
    }
  }
  return JSON.stringify(result ?? null, null, 2);
}

export function resultArtifact(record: TaskRecord, result: unknown): Artifact {
  return {
    artifactId: `${record.taskId}-result`,
    name: `${record.workflow} result`,
    description: `The result of Troupe task ${record.taskId} (workflow ${record.workflow}).`,
    parts: [textPart(resultText(result), 'text/markdown'), dataPart(result ?? null)],
    metadata: undefined,
    extensions: [],
  };
}

function statusText(record: TaskRecord): string | undefined {
  switch (record.status) {
    case 'awaiting_review':
      return 'The draft waits for a human review: reply in this task with "approve", "reject", or notes to revise.';
    case 'failed':
      return `The task failed: ${record.error?.message ?? 'unknown error'}`;
    case 'cancelled':
      return record.error?.message ?? 'The task was cancelled.';
    default:
      return undefined;
  }
}

/** A Troupe task as an A2A task: state, the asking message, and the result as an artifact once completed. */
export function toA2ATask(record: TaskRecord, result: unknown): Task {
  const contextId = contextIdOf(record);
  const ids = { taskId: record.taskId, contextId };
  const question =
    record.input &&
    typeof record.input === 'object' &&
    typeof (record.input as { question?: unknown }).question === 'string'
      ? (record.input as { question: string }).question
      : JSON.stringify(record.input);
  const note = statusText(record);
  return {
    id: record.taskId,
    contextId,
    status: {
      state: A2A_STATE[record.status],
      message: note
        ? message(Role.ROLE_AGENT, note, { ...ids, messageId: `${record.taskId}-status-${record.seq}` })
        : undefined,
      timestamp: new Date(record.updatedAt).toISOString(),
    },
    artifacts: record.status === 'completed' ? [resultArtifact(record, result)] : [],
    history: [
      message(Role.ROLE_USER, question, {
        ...ids,
        messageId: record.metadata[A2AMeta.MessageId] ?? `${record.taskId}-input`,
      }),
    ],
    metadata: {
      workflow: record.workflow,
      troupeStatus: record.status,
      links: { self: `/v1/tasks/${record.taskId}` },
    },
  };
}
