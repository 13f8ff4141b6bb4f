import type { SubmitOptions, TaskOptionsRequest, TroupeClient } from '@troupe/client';
import { callApi, clientFor, type ApiTarget } from '../api-client.js';
import { CliError, CliErrorCode } from '../errors.js';
import type { Printer } from '../io.js';
import { parseJsonInput } from '../json-input.js';
import { renderTaskResult } from '../render/result.js';
import { describeReview } from '../watch/plain-renderer.js';
import { followTask } from '../watch/follow-task.js';
import { liveView } from './watch.js';

export interface SubmitFlags {
  input?: string;
  question?: string;
  wait?: boolean;
  idempotencyKey?: string;
  /** Task options as JSON: budget, per-role models, reviewThreshold, maxReviewRounds, ... */
  options?: string;
}

/** `--options '<json>'`: a JSON object (the API checks its fields). */
export function taskOptionsFrom(text: string | undefined): TaskOptionsRequest | undefined {
  if (text === undefined) return undefined;
  const value = parseJsonInput(text, '--options');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      '--options must be a JSON object, e.g. \'{"reviewThreshold":0.8}\'',
    );
  }
  return value as TaskOptionsRequest;
}

/** The task input from `--input '<json>'` or `--question "..."` (exactly one of them). */
export function taskInputFrom(flags: Pick<SubmitFlags, 'input' | 'question'>): unknown {
  if (flags.input !== undefined && flags.question !== undefined) {
    throw new CliError(CliErrorCode.InvalidArgument, 'pass either --input or --question, not both', {
      hint: '--question "..." is short for --input \'{"question":"..."}\'',
    });
  }
  if (flags.input !== undefined) return parseJsonInput(flags.input, '--input');
  if (flags.question !== undefined) {
    if (flags.question.trim() === '') throw new CliError(CliErrorCode.InvalidArgument, '--question is empty');
    return { question: flags.question };
  }
  throw new CliError(
    CliErrorCode.InvalidArgument,
    'the task needs an input: pass --input \'<json>\' or --question "..."',
    {
      hint: '`troupe workflows` shows what each workflow takes',
    },
  );
}

/** Follows a task to its end (progress on a terminal, a note when it waits for a review) and prints its result. */
export async function waitAndPrint(
  client: TroupeClient,
  target: ApiTarget,
  taskId: string,
  printer: Printer,
): Promise<number> {
  const view = await liveView(client, target, taskId, printer, (line) => printer.info(line));
  const progress = await followTask({
    client,
    target,
    taskId,
    ...(view.renderer && printer.isTTY ? { renderer: view.renderer } : {}),
    onReviewRequested: (p) => {
      if (!printer.isTTY || printer.jsonMode) {
        printer.info(
          `task ${taskId} is waiting for a person (the reviewer says ${describeReview(p)}): troupe review ${taskId} approve|reject|revise`,
        );
      }
    },
  });
  await view.finished;
  const result = await callApi(target, () => client.result(taskId));
  if (printer.jsonMode) printer.json(result);
  else {
    printer.out();
    printer.out(renderTaskResult(result));
  }
  if (progress.phase !== 'completed' && !printer.jsonMode) printer.info(`task ${taskId} ${progress.phase}`);
  return result.status === 'completed' ? 0 : 1;
}

/** `troupe submit <workflow>`: submits, prints the id (and follows it with `--wait`). */
export async function submitCommand(
  workflow: string,
  flags: SubmitFlags,
  target: ApiTarget,
  printer: Printer,
): Promise<number> {
  const input = taskInputFrom(flags);
  const options = taskOptionsFrom(flags.options);
  const client = clientFor(target);
  const submitOptions: SubmitOptions = {
    ...(options ? { options } : {}),
    ...(flags.idempotencyKey ? { idempotencyKey: flags.idempotencyKey } : {}),
  };
  const accepted = await callApi(target, () => client.submit(workflow, input, submitOptions));
  if (!flags.wait) {
    if (printer.jsonMode) printer.json(accepted);
    else {
      printer.out(
        `Submitted task ${accepted.id} (${workflow}${accepted.deduplicated ? ', the same as an earlier submit' : ''}).`,
      );
      printer.out(`  follow it:   troupe watch ${accepted.id}`);
      printer.out(`  its status:  troupe status ${accepted.id}`);
    }
    return 0;
  }
  if (!printer.jsonMode)
    printer.info(`Submitted task ${accepted.id} (${workflow}); waiting for it to finish…`);
  return waitAndPrint(client, target, accepted.id, printer);
}
