import { isFinalStatus, type Task, type TaskResult } from '@troupe/client';
import { useCallback, useEffect, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';

export interface TaskResultState {
  result: TaskResult | undefined;
  error: string | undefined;
  /** Fetches again after a failure (the API was restarting, say). */
  retry(): void;
}

/** The task's result, fetched once the task is final. */
export function useTaskResult(task: Task | undefined): TaskResultState {
  const { client } = useTroupe();
  const [result, setResult] = useState<TaskResult>();
  const [error, setError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const id = task?.id;
  const ready = task !== undefined && isFinalStatus(task.status) && task.resultAvailable;
  useEffect(() => {
    if (!ready || id === undefined) return;
    let stopped = false;
    client.result(id).then(
      (r) => {
        if (stopped) return;
        setResult(r);
        setError(undefined);
      },
      (err: unknown) => !stopped && setError(describeError(err)),
    );
    return () => {
      stopped = true;
    };
  }, [client, id, ready, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { result, error, retry };
}
