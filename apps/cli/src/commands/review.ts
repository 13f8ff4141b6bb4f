import { callApi, clientFor, type ApiTarget } from '../api-client.js';
import type { Printer } from '../io.js';
import type { ReviewDecision } from '../options.js';

/** `troupe review <id> approve|reject|revise`: a person's decision on a task parked for review. */
export async function reviewCommand(
  taskId: string,
  decision: ReviewDecision,
  notes: string | undefined,
  target: ApiTarget,
  printer: Printer,
): Promise<number> {
  const accepted = await callApi(target, () => clientFor(target).review(taskId, decision, notes));
  if (printer.jsonMode) printer.json(accepted);
  else printer.out(`Sent "${decision}" for task ${taskId}. Follow it: troupe watch ${taskId}`);
  return 0;
}
