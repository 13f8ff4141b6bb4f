#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: re-executes Node with the tsx loader and the condition that
// resolves workspace packages to their sources, unless this process already has them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const main = join(here, '..', 'src', 'main.ts');
const hasLoader = process.execArgv.some((a) => a.includes('tsx')) && process.execArgv.includes('--conditions=@troupe/source');
if (hasLoader) {
  await import(pathToFileURL(main).href);
} else {
  const require = createRequire(join(here, '..', 'package.json'));
  const tsx = pathToFileURL(join(dirname(require.resolve('tsx')), 'esm', 'index.mjs')).href;
  const child = spawn(process.execPath, ['--conditions=@troupe/source', '--import', tsx, '--no-warnings=ExperimentalWarning', main, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const forward = (signal) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
}
