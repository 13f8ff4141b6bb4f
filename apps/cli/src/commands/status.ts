import { callApi, clientFor, type ApiTarget } from '../api-client.js';
import type { Printer } from '../io.js';
import { renderTaskResult, renderTaskStatus } from '../render/result.js';

/** `troupe status <id>`: where the task is, step by step. */
export async function statusCommand(taskId: string, target: ApiTarget, printer: Printer): Promise<number> {
  const task = await callApi(target, () => clientFor(target).get(taskId));
  if (printer.jsonMode) printer.json(task);
  else printer.out(renderTaskStatus(task));
  return 0;
}

/** `troupe result <id>`: the finished task's result (the report, its sources, the review, usage). */
export async function resultCommand(taskId: string, target: ApiTarget, printer: Printer): Promise<number> {
  const result = await callApi(target, () => clientFor(target).result(taskId));
  if (printer.jsonMode) printer.json(result);
  else printer.out(renderTaskResult(result));
  return result.status === 'completed' ? 0 : 1;
}
