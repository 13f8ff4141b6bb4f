import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder upwards that has a package.json. */
function packageDir(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** bench/, whether this file runs from bench/src/ (sources) or from bench/dist/src/ (the build). */
export const benchDir = packageDir(dirname(fileURLToPath(import.meta.url)));

/** Where `pnpm bench` writes its result files and reads the previous run's. */
export const resultsDir = join(benchDir, 'results');
