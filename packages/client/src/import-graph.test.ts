import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = resolve(import.meta.dirname, '..', '..');

/** Where a workspace specifier (`@troupe/bus/contracts`) points in the sources. */
function workspaceSource(specifier: string): string {
  const [, name, ...sub] = specifier.split('/');
  const pkgDir = join(packagesDir, name!);
  const exports = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports as Record<
    string,
    Record<string, string>
  >;
  const entry = exports[sub.length > 0 ? `./${sub.join('/')}` : '.'];
  if (!entry?.['@troupe/source']) throw new Error(`${specifier} has no source export`);
  return join(pkgDir, entry['@troupe/source']);
}

/** Every module a file loads at run time, followed through relative and workspace imports. */
function runtimeImports(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // `import type` and `export type` load nothing at run time.
    const specifiers = [
      ...source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm),
      ...source.matchAll(/^import\s+'([^']+)'/gm),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ];
    for (const m of specifiers) {
      const specifier = m[1]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (specifier.startsWith('@troupe/')) visit(workspaceSource(specifier));
      else external.add(specifier);
    }
  };
  visit(entry);
  return { files, external };
}

describe('@troupe/client', () => {
  it('loads no NATS client and no Node-only module: it runs wherever fetch does', () => {
    const { files, external } = runtimeImports(join(packagesDir, 'client', 'src', 'index.ts'));
    expect([...files].some((f) => f.endsWith(join('bus', 'src', 'contracts.ts')))).toBe(true);
    expect([...external].sort()).toEqual(['eventsource-parser', 'zod']);
  });
});
