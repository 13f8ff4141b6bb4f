import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCliProcess } from './cli-process.js';

/**
 * The project file through the real bin, as a user meets it: loaded with tsx, its imports of Troupe's packages
 * resolved to the CLI's own (the folders here install nothing), every mistake a message naming the file. The
 * commands point at a NATS port nothing listens on: a file that loads gets as far as connecting.
 */
const root = mkdtempSync(join(tmpdir(), 'troupe-project-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const NO_NATS = 'nats://127.0.0.1:9';

/** A folder with these files, and a package.json that says "type": "module" unless `esm` is false. */
function project(name: string, files: Record<string, string>, esm = true): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (esm) writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const TRANSLATOR = `import { defineRole } from '@troupe/agents';
import { defineTroupeConfig } from '@troupe/cli';
import { z } from 'zod';

const translator = defineRole({
  name: 'translator',
  description: 'Translates',
  instructions: 'Translate the text.',
  output: z.object({ translation: z.string() }),
});
export default defineTroupeConfig({ roles: [translator] });
`;

const troupe = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runCliProcess(args, cleanEnv(env), { cwd });

describe('the project file, through the real bin', () => {
  it('is found upward from the working directory, and --config or TROUPE_CONFIG point at another', async () => {
    const dir = project('found', { 'troupe.config.ts': TRANSLATOR, 'src/deep/.keep': '' });
    const other = project('other', { 'troupe.config.mts': TRANSLATOR.replace("'translator'", "'editor'") });
    const [found, flag, env, none] = await Promise.all([
      troupe(['agent', '--role', 'translator', '--nats', NO_NATS], join(dir, 'src', 'deep')),
      troupe(['agent', '--role', 'editor', '--config', other, '--nats', NO_NATS], dir),
      troupe(['agent', '--role', 'editor', '--nats', NO_NATS], dir, {
        TROUPE_CONFIG: join(other, 'troupe.config.mts'),
      }),
      troupe(['agent', '--role', 'editor', '--nats', NO_NATS], dir),
    ]);
    // Loaded and the role accepted: the agent went on to connect.
    for (const run of [found, flag, env]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`cannot connect to NATS at ${NO_NATS}`);
    }
    expect(none.stderr).toContain(
      'error: --role: "editor" is not a role: the built-in roles are planner, researcher, analyst, drafter, reviewer, assistant; troupe.config.ts defines translator',
    );
  });

  it('each wrong file gets a message that names it and the problem', async () => {
    const cases: Array<{
      files: Record<string, string>;
      esm?: false;
      args?: string[];
      message: string | RegExp;
    }> = [
      {
        files: { 'troupe.config.ts': 'export default {\n  roles: [,\n  const x = ;\n};\n' },
        message: 'error: troupe.config.ts has a syntax error at troupe.config.ts:3:2: Unexpected "const"',
      },
      {
        files: {
          'troupe.config.ts':
            "const ready = false;\nif (!ready) throw new Error('boom');\nexport default {};\n",
        },
        message: 'error: troupe.config.ts threw an error while loading (at troupe.config.ts:2:19): boom',
      },
      {
        files: { 'troupe.config.ts': 'export const roles = [];\n' },
        message:
          'error: troupe.config.ts has no default export: end it with export default defineTroupeConfig({ ... })',
      },
      {
        files: { 'troupe.config.ts': "import pad from 'left-pad';\nexport default { roles: [pad] };\n" },
        message:
          /error: troupe\.config\.ts imports something that is not there: Cannot find package 'left-pad'/,
      },
      {
        files: { 'troupe.config.ts': TRANSLATOR.replace("'translator'", "'assistant'") },
        message:
          'error: troupe.config.ts: roles[0]: "assistant" is the name of a built-in role (planner, researcher, analyst, drafter, reviewer, assistant): give yours another name',
      },
      {
        files: { 'troupe.config.ts': TRANSLATOR },
        esm: false,
        message:
          'error: troupe.config.ts uses import/export, but Node reads it as CommonJS: the nearest package.json does not say "type": "module"',
      },
      {
        files: {},
        args: ['api', '--config', 'nowhere/troupe.config.ts', '--nats', NO_NATS],
        message: 'error: --config nowhere/troupe.config.ts: there is no such file',
      },
    ];
    const runs = await Promise.all(
      cases.map((c, i) =>
        troupe(c.args ?? ['supervisor', '--nats', NO_NATS], project(`wrong-${i}`, c.files, c.esm ?? true)),
      ),
    );
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      const message = cases[i]!.message;
      if (typeof message === 'string') expect(run.stderr).toContain(message);
      else expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toContain('cannot connect to NATS');
    });
  });
});
