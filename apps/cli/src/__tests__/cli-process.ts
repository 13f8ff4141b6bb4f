import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The real entry point users run: `node apps/cli/bin/troupe.js`. */
export const BIN = fileURLToPath(new URL('../../bin/troupe.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** The environment of a user with no keys, no NATS and no API configured: the offline model, a fresh troupe. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(OPENAI_|ANTHROPIC_|TROUPE_|OTEL_|NATS_URL$|VITEST|NODE_OPTIONS$)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first stdout line matching; fails if the process ends without one. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** SIGKILL to its whole process group (the bin, the CLI and the node children it started). */
  killGroup(): void;
}

/** Runs `troupe <args>` through the bin in a process group of its own, so a test can signal or kill it all. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of [...listeners]) l();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return;
          listeners.delete(check);
          resolve(line);
        };
        // 'close' comes after the exit and after the last of its output; the test's timeout bounds the wait.
        void closed.then(({ code, signal }) => {
          if (!listeners.delete(check)) return;
          reject(
            new Error(
              `troupe exited (${code ?? signal}) before ${pattern}\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        });
        listeners.add(check);
        check();
      });
    },
    killGroup() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Runs `troupe <args>` to its end; whatever ends the test, nothing it started outlives it. */
export async function runCliProcess(args: string[], env?: NodeJS.ProcessEnv) {
  const p = spawnCli(args, env);
  onTestFinished(() => p.killGroup());
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The PIDs of the process table `up` and `demo` print. */
export function tablePids(text: string): number[] {
  return [...text.matchAll(/^ {2}(?:nats-server|supervisor|agent|api) +(\d+) /gm)].map((m) => Number(m[1]));
}
