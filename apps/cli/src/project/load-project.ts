import { pathToFileURL } from 'node:url';
import { CliError, CliErrorCode } from '../errors.js';
import { findConfigFile, shownConfigPath } from './find-config.js';
import { NO_PROJECT, type TroupeProject } from './project.js';
import { shareCliPackages } from './shared-packages.js';

export interface LoadProjectOptions {
  /** `--config <file|folder>`; wins over `TROUPE_CONFIG` and the search upward from `cwd`. */
  config?: string | undefined;
  /** Where `TROUPE_CONFIG` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default `process.cwd()`. */
  cwd?: string;
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets `import()` read a .ts or .mts project file. In the repository the CLI runs under tsx already
 * (bin/troupe.js); the built CLI registers tsx's loader the first time it meets a TypeScript project file.
 */
function loadTypeScript(file: string): Promise<void> {
  if (!/\.m?ts$/.test(file) || process.execArgv.some((arg) => arg.includes('tsx'))) return Promise.resolve();
  return (typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  }));
}

/** Where in the file an error was thrown (`troupe.config.ts:12:9`), from its stack, when it was there. */
function whereIn(file: string, err: unknown): string | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  for (const path of [pathToFileURL(file).href, file]) {
    const at = stack.indexOf(`${path}:`);
    if (at < 0) continue;
    const position = /^:(\d+):(\d+)/.exec(stack.slice(at + path.length));
    if (position) return `${shownConfigPath(file)}:${position[1]}:${position[2]}`;
  }
  return undefined;
}

function loadError(file: string, err: unknown): CliError {
  const shown = shownConfigPath(file);
  const message = (err instanceof Error ? err.message : String(err)).trim() || 'unknown error';
  const code = (err as { code?: unknown } | undefined)?.code;
  const fail = (what: string, hint: string) =>
    new CliError(CliErrorCode.InvalidConfig, `${shown} ${what}`, { cause: err, hint, details: { file } });
  // tsx reads a .ts file as CommonJS unless the nearest package.json says "type": "module"; import/export then fail.
  if (code === 'ERR_REQUIRE_CYCLE_MODULE') {
    return fail(
      'uses import/export, but Node reads it as CommonJS: the nearest package.json does not say "type": "module"',
      'add "type": "module" to the package.json of the project, or rename the file troupe.config.mts',
    );
  }
  if (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ||
    /does not provide an export named/.test(message)
  ) {
    return fail(
      `imports something that is not there: ${message}`,
      'check the import, and install what it imports in the project (e.g. pnpm add <package>)',
    );
  }
  if (err instanceof SyntaxError || /^Transform failed with \d+ errors?/.test(message)) {
    // esbuild (through tsx): "Transform failed with 1 error:\n/path/troupe.config.ts:3:2: ERROR: Unexpected ...".
    const esbuild = /^(.+):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
    return fail(
      esbuild
        ? `has a syntax error at ${shownConfigPath(esbuild[1]!)}:${esbuild[2]}:${esbuild[3]}: ${esbuild[4]}`
        : `has a syntax error: ${message}`,
      'fix the file',
    );
  }
  const where = whereIn(file, err);
  return fail(`threw an error while loading${where ? ` (at ${where})` : ''}: ${message}`, 'fix the file');
}

/**
 * The project a command runs: the troupe.config file found (`--config`, `TROUPE_CONFIG`, or upward from the
 * working directory) imported and checked, or the built-ins alone when there is none. A file that does not
 * load or is not a valid config is an `INVALID_CONFIG` CliError naming the file and the problem.
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<TroupeProject> {
  const found = findConfigFile({
    config: options.config,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
  });
  if (!found) return NO_PROJECT;
  shareCliPackages();
  await loadTypeScript(found.file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(found.file).href)) as Record<string, unknown>;
  } catch (err) {
    throw loadError(found.file, err);
  }
  if (!('default' in module)) {
    throw new CliError(
      CliErrorCode.InvalidConfig,
      `${shownConfigPath(found.file)} has no default export: end it with export default defineTroupeConfig({ ... })`,
      { hint: 'docs/your-own-troupe.md shows a whole file', details: { file: found.file } },
    );
  }
  const { parseTroupeConfig } = await import('./parse-config.js');
  return parseTroupeConfig(module['default'], found.file);
}
