import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnNodeWith, type NodeProcess } from './spawn-node.js';

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

/** A process `spawnTs` started: the same as any `spawnNode` process. */
export type TsProcess = NodeProcess;

/** Spawns `node <file.ts>` from sources, capturing its output; killed on dispose. */
export function spawnTs(file: string, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): TsProcess {
  return spawnNodeWith(tsNodeArgs(file), options);
}
