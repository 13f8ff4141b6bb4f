import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { watchChild, type ChildOutput } from '@troupe/bus/testing';
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

export interface CliProcess extends ChildOutput {
  readonly child: ChildProcess;
  readonly pid: number;
  /** SIGKILL to its whole process group (the bin, the CLI and the node children it started). */
  killGroup(): void;
}

/** Runs `troupe <args>` through the bin in a process group of its own, so a test can signal or kill it all. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  options: { cwd?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    ...watchChild(child),
    child,
    pid: child.pid!,
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
export async function runCliProcess(args: string[], env?: NodeJS.ProcessEnv, options: { cwd?: string } = {}) {
  const p = spawnCli(args, env, options);
  onTestFinished(() => p.killGroup());
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export { isAlive } from '../local/pid-file.js';

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
