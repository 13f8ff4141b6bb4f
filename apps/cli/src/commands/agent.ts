import { hostname } from 'node:os';
import { formatModelRef, parseModelRef, resolveModelChain, runAgent, type Role } from '@troupe/agents';
import { connect, subjects } from '@troupe/bus';
import { initTelemetry } from '@troupe/telemetry';
import { connectOptionsFor, type ConnectionFlags } from '../connection-options.js';
import type { Printer } from '../io.js';
import { sendToParent, serveUntilStopped, type ProcessReport } from '../process/lifecycle.js';
import { agentForRole, rolesNamed } from '../project/agent-for-role.js';
import type { TroupeProject } from '../project/project.js';

export interface AgentCommandOptions {
  /** Built-in roles, or roles of the project file. */
  roles: string[];
  concurrency?: number;
  /** `provider:model` (or a fallback chain) for every role of this process. */
  model?: string;
  healthPort?: number;
  /** Servers, credentials, TLS; what is not given comes from the environment. */
  connection?: ConnectionFlags;
  /** The project file's parts (`loadProject`): its roles can be served here. */
  project: TroupeProject;
}

/**
 * Which model each role will call, as the agents resolve it (flag, the project's `agents` entry, `TROUPE_MODEL`,
 * a provider key, the role's default, offline).
 */
export function modelsFor(
  roles: readonly Role[],
  model: string | undefined,
  env = process.env,
  project?: Pick<TroupeProject, 'agents'>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const role of roles) {
    const chosen = model ?? project?.agents[role.name]?.model;
    out[role.name] = chosen
      ? chosen
      : resolveModelChain({ env, ...(role.defaultModel ? { roleDefault: role.defaultModel } : {}) })
          .map(formatModelRef)
          .join(',');
  }
  return out;
}

/** `troupe agent`: one process serving one or more roles until SIGTERM/SIGINT, then drains and exits 0. */
export async function agentCommand(options: AgentCommandOptions, printer: Printer): Promise<never> {
  // Checked before connecting, so a typo fails at once with a message that names the flag.
  for (const part of options.model?.split(',') ?? []) parseModelRef(part.trim(), '--model');
  // So are the roles: built-in ones, or the project's.
  const connectOptions = connectOptionsFor(options.connection ?? {}, process.env);
  const { project } = options;
  const roles = rolesNamed(project, options.roles);
  const agents = roles.map((role) =>
    agentForRole(project, role, {
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.model ? { model: options.model } : {}),
    }),
  );
  const label = options.roles.join('+');
  const bus = await connect({
    name: `troupe-agent-${label}-${hostname()}-${process.pid}`,
    ...connectOptions,
  });
  const telemetry = initTelemetry({
    serviceName: 'troupe-agent',
    role: label,
    spanFeed: { publish: (payload, traceId) => bus.publishRaw(subjects.spans(traceId), payload) },
  });
  try {
    await bus.prepareTopology({ roles: options.roles });
    const running = await runAgent(agents, {
      bus,
      handleSignals: false,
      ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
    });
    const report: ProcessReport = {
      kind: 'agent',
      pid: process.pid,
      roles: options.roles,
      models: modelsFor(roles, options.model, process.env, project),
      id: running.host.agentId,
    };
    sendToParent({ type: 'ready', report });
    printer.out(
      `ready agent ${running.host.agentId} · roles ${options.roles.join(', ')} · ${Object.entries(
        report.models!,
      )
        .map(([role, model]) => `${role}: ${model}`)
        .join(', ')}`,
    );
    return await serveUntilStopped(
      async () => {
        await running.stop();
        await telemetry.shutdown().catch(() => undefined);
        await bus.close();
      },
      (line) => printer.info(`agent ${running.host.agentId}: ${line}`),
    );
  } catch (err) {
    await telemetry.shutdown().catch(() => undefined);
    await bus.close();
    throw err;
  }
}
