import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, spawnTs, type NodeProcess } from '@troupe/bus/testing';
import { BenchError, BenchErrorCode } from './errors.js';
import { benchDir } from './paths.js';

/**
 * A child process entry point of the benchmark, built: `dist/src/processes/<name>.js` (from
 * `src/processes/<name>.ts`), which loads the Troupe packages from their `dist/` as a deployment does.
 */
export const childScript = (name: string): string => join(benchDir, 'dist', 'src', 'processes', `${name}.js`);

export interface Child {
  readonly name: string;
  readonly proc: NodeProcess;
  readonly pid: number;
}

/**
 * Built JavaScript with plain `node`; a `.ts` file (another package's own benchmark, which has no build)
 * from its sources through tsx.
 */
function spawnChild(file: string, env: Record<string, string>): NodeProcess {
  if (file.endsWith('.ts')) return spawnTs(file, { env });
  if (!existsSync(file)) {
    throw new BenchError(
      BenchErrorCode.InvalidOptions,
      `${file} is missing: build the benchmark first (pnpm --filter "@troupe/bench..." build; pnpm bench does)`,
    );
  }
  return spawnNode(file, { env });
}

export interface ProcessPool extends AsyncDisposable {
  /** Spawns a built child (see `childScript`) and waits for its `ready` line. */
  start(name: string, file: string, env: Record<string, string>, readyTimeoutMs?: number): Promise<Child>;
  /** Spawns a built child (or a `.ts` file) and waits for it to exit 0; resolves with its stdout. */
  run(name: string, file: string, env: Record<string, string>, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(child: Child, graceMs?: number): Promise<void>;
  /** Every child still running, SIGTERM then SIGKILL. */
  stopAll(graceMs?: number): Promise<void>;
  readonly running: readonly Child[];
}

/**
 * Keeps track of every child process the benchmark starts, so that all of them are killed at the end,
 * on failure, on Ctrl-C, and — synchronously — on any exit of the orchestrator.
 */
export function createProcessPool(): ProcessPool {
  const children = new Set<Child>();
  const killNow = () => {
    for (const c of children) {
      if (c.proc.child.exitCode === null && c.proc.child.signalCode === null) c.proc.child.kill('SIGKILL');
    }
  };
  process.on('exit', killNow);

  const stop = async (child: Child, graceMs = 5_000) => {
    const { child: cp } = child.proc;
    if (cp.exitCode === null && cp.signalCode === null) {
      cp.kill('SIGTERM');
      const timer = setTimeout(() => cp.kill('SIGKILL'), graceMs);
      await child.proc.exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };

  const pool: ProcessPool = {
    get running() {
      return [...children];
    },
    async start(name, file, env, readyTimeoutMs = 90_000) {
      const proc = spawnChild(file, { ...env, BENCH_CHILD_NAME: name });
      const child: Child = { name, proc, pid: proc.child.pid ?? -1 };
      children.add(child);
      try {
        await proc.waitForLine(/^ready\b/, readyTimeoutMs);
      } catch (err) {
        await stop(child, 0);
        throw new BenchError(
          BenchErrorCode.ProcessFailed,
          `${name} did not start: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      return child;
    },
    async run(name, file, env, timeoutMs = 120_000) {
      const proc = spawnChild(file, { ...env, BENCH_CHILD_NAME: name });
      const child: Child = { name, proc, pid: proc.child.pid ?? -1 };
      children.add(child);
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
      const { code, signal } = await proc.exited;
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) {
        throw new BenchError(
          BenchErrorCode.ProcessFailed,
          `${name} exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (killed after ${timeoutMs} ms)` : ''}:\n${proc.stderr().slice(-4_000)}`,
        );
      }
      return proc.stdout();
    },
    stop,
    async stopAll(graceMs = 5_000) {
      await Promise.all([...children].map((c) => stop(c, graceMs)));
    },
    async [Symbol.asyncDispose]() {
      await pool.stopAll(3_000);
      process.off('exit', killNow);
    },
  };
  return pool;
}

/** Everything a child wrote to stderr, trimmed, for error messages. */
export const stderrOf = (child: Child): string => child.proc.stderr().slice(-4_000);
