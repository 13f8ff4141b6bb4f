import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CliError, CliErrorCode } from '../errors.js';
import { starterFiles } from '../init/starter-files.js';
import type { Printer } from '../io.js';
import { CONFIG_FILE_NAMES } from '../project/find-config.js';
import { shownPath } from './up.js';

/** This package's manifest: the version its siblings are published with, and the zod they use. */
function cliManifest(): { version: string; dependencies: Record<string, string> } {
  // src/commands/init.ts and dist/commands/init.js are both two folders below package.json.
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
}

/** An npm package name from a folder name: lower case, letters, digits, `-`, `.` and `_`. */
export function packageNameFor(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name || 'my-troupe';
}

/** `troupe init <dir>`: writes a starter project there; refuses a folder that has a project already. */
export function initCommand(dir: string, printer: Printer): number {
  const target = resolve(dir);
  const taken = ['package.json', ...CONFIG_FILE_NAMES].filter((f) => existsSync(join(target, f)));
  if (taken.length > 0) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${shownPath(target)} has a project already (${taken.join(', ')}): init writes a new one`,
      { hint: 'pick a new or empty folder: troupe init my-troupe' },
    );
  }
  const manifest = cliManifest();
  const files = starterFiles({
    name: packageNameFor(target),
    troupeVersion: `^${manifest.version}`,
    zodVersion: manifest.dependencies['zod'] ?? '^4.0.0',
  });
  mkdirSync(target, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    // A file of the user's stays as it is (a README, a .gitignore).
    if (existsSync(join(target, file))) continue;
    writeFileSync(join(target, file), text);
    written.push(file);
  }
  if (printer.jsonMode) {
    printer.json({ dir: target, files: written });
    return 0;
  }
  const shown = shownPath(target);
  printer.out(`Wrote a Troupe project in ${shown}: ${written.join(', ')}`);
  printer.out();
  printer.out(`  cd ${shown}`);
  printer.out('  pnpm install');
  printer.out('  pnpm troupe up');
  printer.out(
    `  pnpm troupe submit summarise-headline --wait --input '{"text":"NATS is a messaging system. JetStream stores messages."}'`,
  );
  printer.out();
  printer.out(
    'troupe.config.ts holds the role (headliner) and the workflow (summarise-headline): make them yours.',
  );
  return 0;
}
