/**
 * Regenerates the reference tables of docs/configuration.md from the code (scripts/config-reference/render.ts).
 *
 *   pnpm docs:config            rewrites the generated part of the page
 *   pnpm docs:config --check    exits 1 when the page is out of date (tests/docs-config.test.ts does the same)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOC, updateConfigDoc } from './config-reference/render.js';

const file = join(fileURLToPath(new URL('..', import.meta.url)), CONFIG_DOC);
const page = readFileSync(file, 'utf8');
const next = updateConfigDoc(page);
if (process.argv.includes('--check')) {
  if (next !== page) {
    process.stderr.write(`${CONFIG_DOC} is out of date: run pnpm docs:config\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`${CONFIG_DOC} is up to date\n`);
  }
} else if (next === page) {
  process.stdout.write(`${CONFIG_DOC} is up to date\n`);
} else {
  writeFileSync(file, next);
  process.stdout.write(`wrote ${CONFIG_DOC}\n`);
}
