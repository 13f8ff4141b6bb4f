import { hostname } from 'node:os';
import { connect, subjects } from '@troupe/bus';
import { builtinWorkflows, runSupervisor } from '@troupe/supervisor';
import { createLogger, initTelemetry } from '@troupe/telemetry';
import { connectOptionsFor, type ConnectionFlags } from '../connection-options.js';
import type { Printer } from '../io.js';
import { sendToParent, serveUntilStopped } from '../process/lifecycle.js';
import type { TroupeProject } from '../project/project.js';

export interface SupervisorCommandOptions {
  concurrency?: number;
  /** Servers, credentials, TLS; what is not given comes from the environment. */
  connection?: ConnectionFlags;
  /** The project file's parts (`loadProject`): its workflows run beside the built-in ones. */
  project: TroupeProject;
}

/** `troupe supervisor`: runs the built-in workflows and the project's until SIGTERM/SIGINT, then stops and exits 0. */
export async function supervisorCommand(options: SupervisorCommandOptions, printer: Printer): Promise<never> {
  const bus = await connect({
    name: `troupe-supervisor-${hostname()}-${process.pid}`,
    ...connectOptionsFor(options.connection ?? {}, process.env),
  });
  const telemetry = initTelemetry({
    serviceName: 'troupe-supervisor',
    spanFeed: { publish: (payload, traceId) => bus.publishRaw(subjects.spans(traceId), payload) },
  });
  const logger = createLogger({ name: 'supervisor' });
  const all = [...builtinWorkflows, ...options.project.workflows];
  try {
    await bus.prepareTopology();
    const supervisor = await runSupervisor({
      bus,
      workflows: all,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      onError: (err, where) => logger.warn({ err, where }, 'supervisor error'),
    });
    const workflows = all.map((w) => w.name);
    sendToParent({
      type: 'ready',
      report: { kind: 'supervisor', pid: process.pid, id: supervisor.id, workflows },
    });
    printer.out(`ready supervisor ${supervisor.id} · workflows ${workflows.join(', ')}`);
    return await serveUntilStopped(
      async () => {
        await supervisor.stop();
        await telemetry.shutdown().catch(() => undefined);
        await bus.close();
      },
      (line) => printer.info(`supervisor ${supervisor.id}: ${line}`),
    );
  } catch (err) {
    await telemetry.shutdown().catch(() => undefined);
    await bus.close();
    throw err;
  }
}
