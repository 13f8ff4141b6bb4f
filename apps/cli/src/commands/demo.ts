import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type TaskResult } from '@troupe/client';
import { callApi, dashboardUrl, type ApiTarget } from '../api-client.js';
import type { Printer } from '../io.js';
import { startLocalTroupe, type LocalTroupe } from '../local/local-troupe.js';
import { formatCost, formatDuration, formatTokens } from '../render/format.js';
import { renderResultBody, renderReview } from '../render/result.js';
import { followTask } from '../watch/follow-task.js';
import { describeReview } from '../watch/plain-renderer.js';
import { firstStopSignal, renderProcessTable } from './up.js';
import { taskOptionsFrom } from './submit.js';
import { liveView } from './watch.js';

export interface DemoFlags {
  question: string;
  /** Keep the state folder (logs, JetStream store) instead of deleting it. */
  keep?: boolean;
  /** Task options as JSON (`{"reviewThreshold":0.9}` makes a person's review more likely). */
  options?: string;
}

/** Which models the agents will call (as they reported them when ready), and why. */
export function modelNote(
  troupe: Pick<LocalTroupe, 'processes'>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const models = [...new Set(troupe.processes.flatMap((p) => Object.values(p.report?.models ?? {})))];
  if (models.length === 0) return 'unknown';
  if (models.every((m) => m.startsWith('offline:'))) {
    return `${models.join(', ')}, the built-in offline model (no OPENAI_API_KEY or ANTHROPIC_API_KEY is set)`;
  }
  const why = env['TROUPE_MODEL']
    ? 'TROUPE_MODEL is set'
    : env['OPENAI_API_KEY']
      ? 'OPENAI_API_KEY is set'
      : 'ANTHROPIC_API_KEY is set';
  return `${models.join(', ')} (${why})`;
}

/**
 * `troupe demo`: a local troupe exactly like `troupe up` (in a temporary folder, the API on a free port),
 * the `report` workflow on a question, live progress, the report with its sources, the review verdict, tokens
 * and cost; then everything stops. Exit 0 when the report was completed.
 */
export async function demoCommand(
  flags: DemoFlags,
  printer: Printer,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const started = Date.now();
  const options = taskOptionsFrom(flags.options);
  const dir = mkdtempSync(join(tmpdir(), 'troupe-demo-'));
  const stopSignal = firstStopSignal(() => printer.info('still stopping…'));
  let troupe: LocalTroupe | undefined;
  let ok = false;
  try {
    printer.info(
      'Troupe demo: agents with roles, each a process, talking over NATS, answer a question with a cited report.',
    );
    printer.info('Starting a local troupe (nats-server, a supervisor, an agent process per role, the API)…');
    troupe = await startLocalTroupe({ dir, port: 0, env, signal: stopSignal.signal });
    if (!printer.jsonMode) {
      printer.out();
      printer.out(renderProcessTable(troupe));
      printer.out();
    }
    printer.info(`Models: ${modelNote(troupe, env)}`);
    const target: ApiTarget = { api: troupe.apiUrl };
    const client = createClient({ baseUrl: troupe.apiUrl });
    const accepted = await callApi(target, () =>
      client.submit('report', { question: flags.question }, options ? { options } : {}),
    );
    printer.info(`Task ${accepted.id} (report): "${flags.question}"`);
    printer.info(`Watch it live while the demo runs: ${dashboardUrl(troupe.apiUrl, accepted.id)}`);
    printer.info('');
    const view = await liveView(client, target, accepted.id, printer);
    let approved: string | undefined;
    const progress = await followTask({
      client,
      target,
      taskId: accepted.id,
      signal: stopSignal.signal,
      ...(view.renderer ? { renderer: view.renderer } : {}),
      onReviewRequested: async (p) => {
        const r = p.review;
        approved =
          r?.confidence !== undefined && r.threshold !== undefined
            ? `the reviewer said ${r.verdict ?? '?'} with confidence ${r.confidence.toFixed(2)}, under the threshold of ${r.threshold}`
            : `the reviewer said ${describeReview(p)}`;
        await callApi(target, () =>
          client.review(accepted.id, 'approve', 'Approved by `troupe demo`, which stands in for the person.'),
        );
      },
    });
    await view.finished;
    const result: TaskResult = await callApi(target, () => client.result(accepted.id));
    const models = [...progress.models];
    const wallMs = Date.now() - started;
    if (printer.jsonMode) {
      printer.json({
        taskId: accepted.id,
        status: result.status,
        question: flags.question,
        result: result.result,
        usage: result.usage,
        models,
        autoApproved: approved !== undefined,
        apiUrl: troupe.apiUrl,
        wallMs,
      });
    } else {
      if (approved !== undefined) {
        printer.out();
        printer.out(
          `Review: ${approved}, so the supervisor parked the task for a person: the demo approved it in your place.`,
        );
      }
      printer.out();
      printer.out('─'.repeat(72));
      printer.out(renderResultBody(result.result));
      printer.out('─'.repeat(72));
      const review = renderReview(result.result);
      if (review) printer.out(`Review verdict: ${review}`);
      if (result.error) printer.out(`Error: ${result.error.code}: ${result.error.message}`);
      printer.out(`Answered by: ${models.join(', ') || 'no model call'}`);
      printer.out(
        `Tokens and cost: ${formatTokens(result.usage.inputTokens, result.usage.outputTokens)} · cost ${formatCost(result.usage.costUsd)}`,
      );
      printer.out(`API: ${troupe.apiUrl} (stops with the demo; \`pnpm troupe up\` keeps one running)`);
      printer.out(`Dashboard: ${dashboardUrl(troupe.apiUrl)} (the same; open it after \`pnpm troupe up\`)`);
    }
    ok = result.status === 'completed';
    printer.info('Stopping the troupe…');
    await troupe.stop();
    printer.info(
      `Demo ${ok ? 'done' : `ended: the task ${result.status}`} in ${formatDuration(Date.now() - started)}.`,
    );
    return ok ? 0 : 1;
  } catch (err) {
    if (stopSignal.signal.aborted) {
      printer.info('interrupted: stopping the troupe');
      await troupe?.stop();
      return 130;
    }
    throw err;
  } finally {
    await troupe?.stop();
    stopSignal.dispose();
    if (ok && !flags.keep) rmSync(dir, { recursive: true, force: true });
    else printer.info(`The demo's state and logs are in ${dir}`);
  }
}
