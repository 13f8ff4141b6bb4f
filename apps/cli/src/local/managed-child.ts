import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cliChildCommand } from '../process/child-command.js';
import { MANAGED_ENV, type ChildMessage, type ProcessReport } from '../process/lifecycle.js';

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null };

/** One `troupe <subcommand>` child of `troupe up`: spawned with an IPC channel, its output in a log file. */
export interface ManagedChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the child's report once it serves; rejects when it fails or exits first. */
  readonly ready: Promise<ProcessReport>;
  readonly exited: Promise<ChildExit>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once it has exited. Returns false when it had to be killed. */
  stop(timeoutMs: number): Promise<boolean>;
  kill(): void;
}

function lastLines(file: string, n = 12): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

export function spawnManagedChild(options: {
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  name: string;
}): ManagedChild {
  const { command, args } = cliChildCommand(options.args);
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      env: { ...options.env, [MANAGED_ENV]: '1' },
      stdio: ['ignore', log, log, 'ipc'],
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<ProcessReport>((resolve, reject) => {
    let failure: { message: string; hint?: string } | undefined;
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message?.type === 'ready') resolve(message.report);
      else if (message?.type === 'failed')
        failure = { message: message.message, ...(message.hint ? { hint: message.hint } : {}) };
    });
    child.once('error', (err) =>
      reject(new Error(`${options.name} could not start: ${err.message}`, { cause: err })),
    );
    void exited.then(({ code, signal }) => {
      const why = failure
        ? `${failure.message}${failure.hint ? ` (${failure.hint})` : ''}`
        : `it exited (${code ?? signal}) before it was ready:\n${lastLines(options.logFile)}`;
      reject(new Error(`${options.name}: ${why}`));
    });
  });
  ready.catch(() => undefined);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid ?? -1,
    ready,
    exited,
    get running() {
      return running();
    },
    async stop(timeoutMs) {
      if (!running()) return true;
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
      return !killed;
    },
    kill() {
      if (running()) child.kill('SIGKILL');
    },
  };
}
