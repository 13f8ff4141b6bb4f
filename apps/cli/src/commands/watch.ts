import type { TroupeClient } from '@troupe/client';
import { callApi, clientFor, type ApiTarget } from '../api-client.js';
import type { Printer } from '../io.js';
import { createListrRenderer, type StepOutline } from '../watch/listr-renderer.js';
import { createPlainRenderer, type ProgressRenderer } from '../watch/plain-renderer.js';
import { followTask } from '../watch/follow-task.js';

/** The steps of a task's workflow, in order, for the task list; undefined when the API does not list it. */
export async function outlineOf(
  client: TroupeClient,
  target: ApiTarget,
  taskId: string,
): Promise<StepOutline[] | undefined> {
  const task = await callApi(target, () => client.get(taskId));
  const workflows = await callApi(target, () => client.workflows()).catch(() => []);
  const wf = workflows.find((w) => w.name === task.workflow);
  return wf?.steps.map((s) => ({ id: s.id, role: s.role }));
}

export interface LiveView {
  renderer: ProgressRenderer | undefined;
  /** Resolves when the view has drawn its last frame. */
  finished: Promise<void>;
}

/** A listr2 task list on a terminal, one line per change otherwise, nothing under `--json`. */
export async function liveView(
  client: TroupeClient,
  target: ApiTarget,
  taskId: string,
  printer: Printer,
  write: (line: string) => void = (line) => printer.out(line),
): Promise<LiveView> {
  if (printer.jsonMode) return { renderer: undefined, finished: Promise.resolve() };
  if (printer.isTTY) {
    const outline = await outlineOf(client, target, taskId);
    if (outline) {
      const listr = createListrRenderer(outline);
      return { renderer: listr, finished: listr.finished };
    }
  }
  return { renderer: createPlainRenderer(write), finished: Promise.resolve() };
}

/** `troupe watch <id>`: live progress until the task is final; exit 0 when it completed, 1 otherwise. */
export async function watchCommand(taskId: string, target: ApiTarget, printer: Printer): Promise<number> {
  const client = clientFor(target);
  const view = await liveView(client, target, taskId, printer);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const progress = await followTask({
      client,
      target,
      taskId,
      signal: controller.signal,
      ...(view.renderer ? { renderer: view.renderer } : {}),
      ...(printer.jsonMode ? { onEvent: (m) => printer.json(m) } : {}),
    });
    await view.finished;
    return progress.phase === 'completed' ? 0 : 1;
  } catch (err) {
    if (controller.signal.aborted) {
      printer.info('\u001b[?25h');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
