import { statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { CliError, CliErrorCode } from '../errors.js';

/** The names a project file may have, looked for in this order in each folder. */
export const CONFIG_FILE_NAMES = [
  'troupe.config.ts',
  'troupe.config.mts',
  'troupe.config.js',
  'troupe.config.mjs',
] as const;

/** The variable that names the project file when `--config` is not given. */
export const CONFIG_ENV = 'TROUPE_CONFIG';

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** Where the project file came from: `--config`, `TROUPE_CONFIG`, or found upward from the working directory. */
export type ConfigSource = 'flag' | 'env' | 'found';

export interface FoundConfig {
  /** Absolute path. */
  file: string;
  source: ConfigSource;
}

/** A path as the user would write it: relative to `cwd` when inside it, else absolute. */
export function shownConfigPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

const kindOf = (path: string): 'file' | 'dir' | undefined => {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
};

const inFolder = (dir: string): string | undefined =>
  CONFIG_FILE_NAMES.map((name) => join(dir, name)).find((file) => kindOf(file) === 'file');

/**
 * The project file: `--config <file|folder>`, else `TROUPE_CONFIG`, else the first `troupe.config.{ts,mts,js,mjs}`
 * in the working directory or a folder above it. Undefined when there is none (the built-ins alone run).
 * A file that was named but is not there is a `CONFIG_NOT_FOUND` error.
 */
export function findConfigFile(options: {
  config?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}): FoundConfig | undefined {
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = options.env?.[CONFIG_ENV]?.trim();
  const named =
    options.config !== undefined
      ? { path: options.config, source: 'flag' as const, what: `--config ${options.config}` }
      : fromEnv
        ? { path: fromEnv, source: 'env' as const, what: `${CONFIG_ENV}=${fromEnv}` }
        : undefined;
  if (named) {
    const path = resolve(cwd, named.path);
    const kind = kindOf(path);
    if (kind === 'dir') {
      const file = inFolder(path);
      if (file) return { file, source: named.source };
      throw new CliError(
        CliErrorCode.ConfigNotFound,
        `${named.what}: the folder ${shownConfigPath(path, cwd)} holds no ${CONFIG_FILE_NAMES.join(', ')}`,
        { hint: 'write a troupe.config.ts there (docs/your-own-troupe.md), or name the file itself' },
      );
    }
    if (kind !== 'file') {
      throw new CliError(CliErrorCode.ConfigNotFound, `${named.what}: there is no such file`, {
        hint: 'pass the path of a troupe.config.ts, or of the folder that holds it',
      });
    }
    if (!EXTENSIONS.has(extname(path))) {
      throw new CliError(
        CliErrorCode.InvalidConfig,
        `${shownConfigPath(path, cwd)}: a project file ends in .ts, .mts, .js or .mjs`,
        { hint: 'rename it, e.g. troupe.config.ts' },
      );
    }
    return { file: path, source: named.source };
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = inFolder(dir);
    if (file) return { file, source: 'found' };
    if (dirname(dir) === dir) return undefined;
  }
}
