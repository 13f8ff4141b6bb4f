import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watchChild, type ChildExit, type ChildOutput } from './child-output.js';

/** The repository root: the nearest folder upwards that has pnpm-workspace.yaml. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Node arguments that run a TypeScript file of this repo straight from its sources. */
export function tsNodeArgs(file: string): string[] {
  const tsx = createRequire(join(repoRoot(), 'package.json')).resolve('tsx');
  const loader = join(dirname(tsx), 'esm', 'index.mjs');
  return [
    '--conditions=@troupe/source',
    '--import',
    pathToFileURL(existsSync(loader) ? loader : tsx).href,
    file,
  ];
}

export interface TsProcess extends AsyncDisposable, ChildOutput {
  readonly child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/** Spawns `node <file.ts>` from sources, capturing its output; killed on dispose. */
export function spawnTs(file: string, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): TsProcess {
  const child = spawn(process.execPath, [...tsNodeArgs(file), ...(options.args ?? [])], {
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
