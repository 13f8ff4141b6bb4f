import { relative, resolve } from 'node:path';
import { dashboardUrl, DEFAULT_API_URL } from '../api-client.js';
import type { ConnectionFlags } from '../connection-options.js';
import type { Printer } from '../io.js';
import type { AgentLayout } from '../local/agent-layout.js';
import { startLocalTroupe, type LocalTroupe } from '../local/local-troupe.js';
import { formatTable } from '../render/format.js';

export interface UpFlags {
  port: number;
  dir: string;
  natsPort?: number;
  concurrency?: number;
  agents?: AgentLayout;
  /** The project file or its folder (`--config`). */
  config?: string;
  /** `--nats` and the credential and TLS flags: attach to a NATS server or cluster of yours. */
  connection?: ConnectionFlags;
}

export const shownPath = (p: string): string => {
  const rel = relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
};

/** The table of what runs where. */
export function renderProcessTable(troupe: LocalTroupe): string {
  const rows = troupe.processes.map((p) => [
    p.kind,
    String(p.pid),
    p.kind === 'agent' ? p.detail : p.detail || p.name,
  ]);
  if (!troupe.ownsNats) rows.unshift(['nats', '-', `${troupe.natsUrl} (attached; not started here)`]);
  return formatTable(['PROCESS', 'PID', 'WHAT'], rows);
}

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP (later ones are ignored while stopping: every stage has its own
 * time limit, after which its processes are killed).
 */
export function firstStopSignal(onLater: (signal: string) => void): {
  signal: AbortSignal;
  reason: Promise<string>;
  dispose(): void;
} {
  const controller = new AbortController();
  let resolveReason: (r: string) => void = () => undefined;
  const reason = new Promise<string>((r) => (resolveReason = r));
  let first = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // A Ctrl-C reaches bin/troupe.js too, which passes it on: the same request, moments later.
      if (Date.now() - first > 1_000) onLater(signal);
      return;
    }
    first = Date.now();
    controller.abort();
    resolveReason(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  return {
    signal: controller.signal,
    reason,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGHUP', handler);
    },
  };
}

/** `troupe up`: a whole troupe on this machine until Ctrl-C or SIGTERM; then every process stops in order, exit 0. */
export async function upCommand(
  flags: UpFlags,
  printer: Printer,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const dir = resolve(flags.dir);
  const stopSignal = firstStopSignal(() =>
    printer.info('still stopping: each stage has a time limit, then its processes are killed'),
  );
  try {
    const troupe = await startLocalTroupe({
      dir,
      port: flags.port,
      ...(flags.natsPort !== undefined ? { natsPort: flags.natsPort } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      ...(flags.agents !== undefined ? { agents: flags.agents } : {}),
      ...(flags.config !== undefined ? { config: flags.config } : {}),
      ...(flags.connection !== undefined ? { connection: flags.connection } : {}),
      env,
      onNote: (line) => printer.info(line),
      signal: stopSignal.signal,
    });
    if (printer.jsonMode) {
      printer.json({
        event: 'up',
        dir,
        natsUrl: troupe.natsUrl,
        apiUrl: troupe.apiUrl,
        dashboardUrl: dashboardUrl(troupe.apiUrl),
        logDir: troupe.logDir,
        ...(troupe.config ? { config: troupe.config } : {}),
        processes: troupe.processes.map(({ report: _report, ...p }) => p),
      });
    } else {
      printer.out();
      printer.out(
        `Troupe is up · state in ${shownPath(dir)} · logs in ${shownPath(troupe.logDir)}${
          troupe.config ? ` · project ${shownPath(troupe.config)}` : ''
        }`,
      );
      printer.out();
      printer.out(renderProcessTable(troupe));
      printer.out();
      printer.out(`Open:  ${dashboardUrl(troupe.apiUrl)}   (the live dashboard)`);
      printer.out(`API:   ${troupe.apiUrl}`);
      const prefix = troupe.apiUrl === DEFAULT_API_URL ? '' : `TROUPE_API_URL=${troupe.apiUrl} `;
      printer.out(
        `Try:   ${prefix}pnpm troupe submit report --question "How do JetStream consumers acknowledge messages?" --wait`,
      );
      printer.out('Stop:  Ctrl-C');
    }
    const outcome = await Promise.race([
      stopSignal.reason.then((signal) => ({ signal, broken: undefined as string | undefined })),
      troupe.broken.then((why) => ({ signal: undefined, broken: why })),
    ]);
    if (outcome.broken) printer.info(`the troupe broke: ${outcome.broken}`);
    else printer.info(`${outcome.signal}: stopping the troupe`);
    await troupe.stop();
    if (printer.jsonMode)
      printer.json({ event: 'stopped', ...(outcome.broken ? { error: outcome.broken } : {}) });
    else printer.out('Stopped.');
    return outcome.broken ? 1 : 0;
  } catch (err) {
    if (stopSignal.signal.aborted) {
      printer.info('interrupted while starting: what had started is stopped');
      return 130;
    }
    throw err;
  } finally {
    stopSignal.dispose();
  }
}
