import { startApi } from '@troupe/api';
import { connect } from '@troupe/bus';
import { builtinWorkflows } from '@troupe/supervisor';
import { dashboardUrl } from '../api-client.js';
import { CliError, CliErrorCode } from '../errors.js';
import { connectOptionsFor, type ConnectionFlags } from '../connection-options.js';
import type { Printer } from '../io.js';
import { sendToParent, serveUntilStopped } from '../process/lifecycle.js';
import type { TroupeProject } from '../project/project.js';

export interface ApiCommandOptions {
  port: number;
  host: string;
  /** Servers, credentials, TLS; what is not given comes from the environment. */
  connection?: ConnectionFlags;
  /** The project file's parts (`loadProject`): the API accepts its workflows beside the built-in ones. */
  project: TroupeProject;
}

/** `troupe api`: the HTTP API for the built-in workflows and the project's (`startApi`: telemetry, topology, keys from the environment) until SIGTERM/SIGINT. */
export async function apiCommand(options: ApiCommandOptions, printer: Printer): Promise<never> {
  // Connected here, not by startApi, so the flags and every TROUPE_NATS_* variable apply.
  const bus = await connect({
    name: `troupe-api-${process.pid}`,
    ...connectOptionsFor(options.connection ?? {}, process.env),
  });
  let api;
  try {
    // A plain copy: the logger's option check rejects the process.env object itself (not a plain record).
    api = await startApi({
      port: options.port,
      host: options.host,
      env: { ...process.env },
      workflows: [...builtinWorkflows, ...options.project.workflows],
      bus,
    });
  } catch (err) {
    await bus.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CliError(
        CliErrorCode.StartFailed,
        `the API cannot listen on ${options.host}:${options.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`,
        { cause: err, hint: 'pass another --port (0 picks a free one)' },
      );
    }
    throw err;
  }
  const running = api;
  sendToParent({ type: 'ready', report: { kind: 'api', pid: process.pid, url: running.url } });
  printer.out(`ready api ${running.url}`);
  printer.out(`dashboard ${dashboardUrl(running.url)}`);
  return serveUntilStopped(
    async () => {
      await running.close();
      await bus.close();
    },
    (line) => printer.info(`api: ${line}`),
  );
}
