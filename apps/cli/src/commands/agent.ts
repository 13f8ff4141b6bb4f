import { hostname } from 'node:os';
import {
  builtinRoles,
  defineAgent,
  formatModelRef,
  parseModelRef,
  resolveModelChain,
  runAgent,
} from '@troupe/agents';
import { connect, subjects } from '@troupe/bus';
import { initTelemetry } from '@troupe/telemetry';
import type { Printer } from '../io.js';
import { sendToParent, serveUntilStopped, type ProcessReport } from '../process/lifecycle.js';

export interface AgentCommandOptions {
  roles: string[];
  concurrency?: number;
  /** `provider:model` (or a fallback chain) for every role of this process. */
  model?: string;
  healthPort?: number;
  /** NATS servers; default `NATS_URL`. */
  nats?: string;
}

/** Which model each role will call, as the agents resolve it (flag, `TROUPE_MODEL`, a provider key, offline). */
export function modelsFor(
  roles: readonly string[],
  model: string | undefined,
  env = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const role of roles) {
    if (model) {
      out[role] = model;
      continue;
    }
    const roleDefault = (builtinRoles as Readonly<Record<string, { defaultModel?: string }>>)[role]
      ?.defaultModel;
    out[role] = resolveModelChain({ env, ...(roleDefault ? { roleDefault } : {}) })
      .map(formatModelRef)
      .join(',');
  }
  return out;
}

/** `troupe agent`: one process serving one or more roles until SIGTERM/SIGINT, then drains and exits 0. */
export async function agentCommand(options: AgentCommandOptions, printer: Printer): Promise<never> {
  // Checked before connecting, so a typo fails at once with a message that names the flag.
  for (const part of options.model?.split(',') ?? []) parseModelRef(part.trim(), '--model');
  const label = options.roles.join('+');
  const bus = await connect({
    name: `troupe-agent-${label}-${hostname()}-${process.pid}`,
    ...(options.nats ? { servers: options.nats } : {}),
  });
  const telemetry = initTelemetry({
    serviceName: 'troupe-agent',
    role: label,
    spanFeed: { publish: (payload, traceId) => bus.publishRaw(subjects.spans(traceId), payload) },
  });
  try {
    await bus.ensureTopology();
    const running = await runAgent(
      options.roles.map((role) =>
        defineAgent({
          role,
          ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
          ...(options.model ? { model: options.model } : {}),
        }),
      ),
      {
        bus,
        handleSignals: false,
        ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
      },
    );
    const report: ProcessReport = {
      kind: 'agent',
      pid: process.pid,
      roles: options.roles,
      models: modelsFor(options.roles, options.model),
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
