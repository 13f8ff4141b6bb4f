import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The command line that runs `troupe <args>` as a child process: this same CLI, from its TypeScript sources
 * with the tsx loader and the `@troupe/source` condition (as `bin/troupe.js` does), or from `dist/` once built.
 */
export function cliChildCommand(args: readonly string[]): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const main = join(dirname(here), '..', `main${ext}`);
  if (ext !== '.ts') return { command: process.execPath, args: [main, ...args] };
  const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx')), 'esm', 'index.mjs');
  return {
    command: process.execPath,
    args: [
      '--conditions=@troupe/source',
      '--import',
      pathToFileURL(tsx).href,
      '--no-warnings=ExperimentalWarning',
      main,
      ...args,
    ],
  };
}
