#!/usr/bin/env node
// The `troupe` command. Installed from npm (no `src/` beside this file), it runs the built JavaScript in
// `dist/`. In the Troupe repository (`src/` is here) it runs the TypeScript sources, built or not: it
// re-executes Node with the tsx loader and the condition that resolves workspace packages to their sources,
// unless this process already has them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sources = join(here, '..', 'src', 'main.ts');

if (!existsSync(sources)) {
  await import(pathToFileURL(join(here, '..', 'dist', 'main.js')).href);
} else if (
  process.execArgv.some((a) => a.includes('tsx')) &&
  process.execArgv.includes('--conditions=@troupe/source')
) {
  await import(pathToFileURL(sources).href);
} else {
  const require = createRequire(join(here, '..', 'package.json'));
  const tsx = pathToFileURL(join(dirname(require.resolve('tsx')), 'esm', 'index.mjs')).href;
  const child = spawn(
    process.execPath,
    [
      '--conditions=@troupe/source',
      '--import',
      tsx,
      '--no-warnings=ExperimentalWarning',
      sources,
      ...process.argv.slice(2),
    ],
    {
      stdio: 'inherit',
    },
  );
  // Pass a signal sent to this process alone (kill <pid>) on to the CLI. A Ctrl-C in a terminal reaches both
  // processes anyway; the CLI treats a repeated signal as the same request.
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));
  // Exit as the CLI did: its code, or 128 + the number of the signal that ended it (130 for SIGINT).
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1)),
  );
}
