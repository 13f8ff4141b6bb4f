import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCliError } from '../errors.js';
import { CONFIG_FILE_NAMES, findConfigFile } from './find-config.js';

const root = mkdtempSync(join(tmpdir(), 'troupe-find-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder under the temporary root with these files (empty ones: finding does not read them). */
function folder(path: string, files: readonly string[] = []): string {
  const dir = join(root, path);
  mkdirSync(dir, { recursive: true });
  for (const file of files) writeFileSync(join(dir, file), 'export default {};\n');
  return dir;
}

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCliError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a CliError');
}

describe('finding the project file', () => {
  it('looks in the working directory, then in each folder above it', () => {
    const project = folder('up/project', ['troupe.config.ts']);
    const deep = folder('up/project/src/roles/deeper');
    expect(findConfigFile({ cwd: deep, env: {} })).toEqual({
      file: join(project, 'troupe.config.ts'),
      source: 'found',
    });
    // The nearest one wins.
    const inner = folder('up/project/src', ['troupe.config.mjs']);
    expect(findConfigFile({ cwd: deep, env: {} })?.file).toBe(join(inner, 'troupe.config.mjs'));
  });

  it('takes the names in order in one folder: .ts, .mts, .js, .mjs', () => {
    expect(CONFIG_FILE_NAMES).toEqual([
      'troupe.config.ts',
      'troupe.config.mts',
      'troupe.config.js',
      'troupe.config.mjs',
    ]);
    const dir = folder('order', ['troupe.config.mjs', 'troupe.config.js', 'troupe.config.mts']);
    expect(findConfigFile({ cwd: dir, env: {} })?.file).toBe(join(dir, 'troupe.config.mts'));
  });

  it('finds none where there is none: the built-ins run alone', () => {
    // The temporary root's parents hold no project file (the system's temporary folder and the root).
    expect(findConfigFile({ cwd: folder('nothing/here'), env: {} })).toBeUndefined();
  });

  it('--config wins over TROUPE_CONFIG, which wins over the file found upward', () => {
    const here = folder('precedence/here', ['troupe.config.ts']);
    const fromEnv = folder('precedence/env', ['troupe.config.ts']);
    const fromFlag = folder('precedence/flag', ['custom.config.mts']);
    const env = { TROUPE_CONFIG: join(fromEnv, 'troupe.config.ts') };
    expect(findConfigFile({ cwd: here, env, config: '../flag/custom.config.mts' })).toEqual({
      file: join(fromFlag, 'custom.config.mts'),
      source: 'flag',
    });
    expect(findConfigFile({ cwd: here, env })).toEqual({
      file: join(fromEnv, 'troupe.config.ts'),
      source: 'env',
    });
    expect(findConfigFile({ cwd: here, env: { TROUPE_CONFIG: ' ' } })?.source).toBe('found');
  });

  it('takes a folder for --config and looks in it (not above it)', () => {
    const dir = folder('as-folder/project', ['troupe.config.js']);
    expect(findConfigFile({ cwd: root, env: {}, config: dir })?.file).toBe(join(dir, 'troupe.config.js'));
    folder('as-folder/empty/inner');
    const empty = failure(() => findConfigFile({ cwd: join(root, 'as-folder'), env: {}, config: 'empty' }));
    expect(empty.code).toBe('CONFIG_NOT_FOUND');
    expect(empty.message).toBe(
      '--config empty: the folder empty holds no troupe.config.ts, troupe.config.mts, troupe.config.js, troupe.config.mjs',
    );
  });

  it('a named file that is not there fails, naming the flag or the variable', () => {
    const dir = folder('missing');
    const flag = failure(() => findConfigFile({ cwd: dir, env: {}, config: 'nope.ts' }));
    expect(flag).toEqual({ code: 'CONFIG_NOT_FOUND', message: '--config nope.ts: there is no such file' });
    const env = failure(() =>
      findConfigFile({ cwd: dir, env: { TROUPE_CONFIG: './gone/troupe.config.ts' } }),
    );
    expect(env).toEqual({
      code: 'CONFIG_NOT_FOUND',
      message: 'TROUPE_CONFIG=./gone/troupe.config.ts: there is no such file',
    });
  });

  it('a named file must be TypeScript or an ES module', () => {
    const dir = folder('json', ['troupe.config.json']);
    const wrong = failure(() => findConfigFile({ cwd: dir, env: {}, config: 'troupe.config.json' }));
    expect(wrong).toEqual({
      code: 'INVALID_CONFIG',
      message: 'troupe.config.json: a project file ends in .ts, .mts, .js or .mjs',
    });
  });
});
