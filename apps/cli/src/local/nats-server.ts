import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, CliErrorCode } from '../errors.js';
import { findNatsServer } from './find-nats-server.js';
import { freePort, portInUse } from './free-port.js';
import { commandLineOf, isAlive, readPid, removeFile, waitForExit } from './pid-file.js';

export interface LocalNatsServer {
  readonly url: string;
  readonly monitorUrl: string;
  readonly pid: number;
  readonly storeDir: string;
  readonly logFile: string;
  /** Resolves when the server process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (nats-server flushes and exits), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface LocalNatsServerOptions {
  /** The state folder: JetStream stores under `<dir>/nats`. */
  dir: string;
  /** Client port; default: a free one. */
  port?: number;
  logFile: string;
}

/** A nats-server left running by a `troupe up` that was killed: stop it so the store is free again. */
async function stopStaleServer(pidFile: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === undefined) return;
  if (isAlive(pid) && commandLineOf(pid).includes('nats-server')) {
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 5_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 2_000);
    }
  }
  removeFile(pidFile);
}

async function waitHealthy(monitorUrl: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new CliError(CliErrorCode.StartFailed, `nats-server exited while starting:\n${tail(logFile)}`, {
        hint: `its log is ${logFile}`,
      });
    }
    try {
      const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new CliError(CliErrorCode.StartFailed, `nats-server did not become ready within 20 s (${last})`, {
    hint: `its log is ${logFile}`,
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts nats-server with JetStream storing under `<dir>/nats`, listening on 127.0.0.1 only. It runs in its
 * own process group, so a Ctrl-C in the terminal reaches `troupe up` (which stops it last) and not the
 * server itself.
 */
export async function startLocalNatsServer(options: LocalNatsServerOptions): Promise<LocalNatsServer> {
  const bin = findNatsServer();
  const storeDir = join(options.dir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const pidFile = join(storeDir, 'nats-server.pid');
  await stopStaleServer(pidFile);
  if (options.port !== undefined && options.port !== 0 && (await portInUse(options.port))) {
    throw new CliError(CliErrorCode.StartFailed, `port ${options.port} for nats-server is in use`, {
      hint: 'pass another --nats-port, or leave it out to pick a free port',
    });
  }
  const port = options.port || (await freePort());
  const monitorPort = await freePort();
  const configFile = join(storeDir, 'nats-server.conf');
  writeFileSync(
    configFile,
    [
      'server_name: troupe-local',
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      `pid_file: ${JSON.stringify(pidFile)}`,
      `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
      '',
    ].join('\n'),
  );
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, ['-c', configFile], { detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  await waitHealthy(monitorUrl, child, options.logFile);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl,
    pid: child.pid!,
    storeDir,
    logFile: options.logFile,
    exited,
    async stop(timeoutMs = 10_000) {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      removeFile(pidFile);
    },
  };
}
