import { callApi, clientFor, type ApiTarget } from '../api-client.js';
import type { Printer } from '../io.js';
import { formatDuration, formatTable } from '../render/format.js';

/** `troupe agents`: the fleet as heartbeats show it. */
export async function agentsCommand(
  target: ApiTarget,
  printer: Printer,
  now: () => number = Date.now,
): Promise<number> {
  const agents = await callApi(target, () => clientFor(target).agents());
  if (printer.jsonMode) {
    printer.json(agents);
    return 0;
  }
  if (agents.length === 0) {
    printer.out('No agents are running. Start some with `troupe up` or `troupe agent --role <role>`.');
    return 0;
  }
  printer.out(
    formatTable(
      ['AGENT', 'ROLES', 'HOST', 'PID', 'LOAD', 'STATUS', 'LAST SEEN'],
      agents.map((a) => [
        a.agentId,
        a.roles.join(','),
        a.host,
        String(a.pid),
        `${a.inFlight}/${a.concurrency}`,
        a.stale ? 'stale' : a.status,
        `${formatDuration(Math.max(0, now() - a.at))} ago`,
      ]),
      '',
    ),
  );
  return 0;
}

/** `troupe workflows`: what the API runs, with the steps and roles of each. */
export async function workflowsCommand(target: ApiTarget, printer: Printer): Promise<number> {
  const workflows = await callApi(target, () => clientFor(target).workflows());
  if (printer.jsonMode) {
    printer.json(workflows);
    return 0;
  }
  printer.out(
    formatTable(
      ['WORKFLOW', 'VERSION', 'STEPS', 'DESCRIPTION'],
      workflows.map((w) => [
        w.name,
        String(w.version),
        w.steps.map((s) => `${s.id}(${s.role})`).join(' → '),
        w.description,
      ]),
      '',
    ),
  );
  return 0;
}
