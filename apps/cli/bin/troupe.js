#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: re-executes Node with the tsx loader and the condition that
// resolves workspace packages to their sources, unless this process already has them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.ts');
const hasLoader =
  process.execArgv.some((a) => a.includes('tsx')) && process.execArgv.includes('--conditions=@troupe/source');
if (hasLoader) {
  await import(pathToFileURL(main).href);
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
      main,
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
