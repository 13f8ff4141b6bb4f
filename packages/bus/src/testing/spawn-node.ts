import { spawn, type ChildProcess } from 'node:child_process';
import { watchChild, type ChildExit, type ChildOutput } from './child-output.js';

/** A Node.js child process started by `spawnNode` or `spawnTs`: its output, its exit, killed on dispose. */
export interface NodeProcess extends AsyncDisposable, ChildOutput {
  readonly child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
}

export interface SpawnNodeOptions {
  /** Arguments after the file. */
  args?: string[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Node's own flags, before the file (`--conditions=…`, `--cpu-prof`). */
  nodeArgs?: string[];
}

/** `node <nodeArgs> <argv>` with piped output; the shared part of `spawnNode` and `spawnTs`. */
export function spawnNodeWith(argv: readonly string[], options: SpawnNodeOptions = {}): NodeProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...argv, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watchChild(child);
  const { exited } = output;
  return {
    child,
    stdout: output.stdout,
    stderr: output.stderr,
    exited,
    waitForLine: (pattern, timeoutMs = 30_000) => output.waitForLine(pattern, timeoutMs),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Spawns `node <file.js>`: built JavaScript as a deployment runs it, with no TypeScript loader and no
 * `@troupe/source` condition, so workspace packages load from their `dist/`. Killed on dispose.
 */
export function spawnNode(file: string, options: SpawnNodeOptions = {}): NodeProcess {
  return spawnNodeWith([file], options);
}
