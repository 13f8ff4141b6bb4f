#!/usr/bin/env node
// One version for every published package, set in one place: the root package.json's "version".
//
//   node scripts/set-version.mjs           writes the root version into every published package.json
//   node scripts/set-version.mjs 0.2.0     sets the root version to 0.2.0 first, then writes it everywhere
//   node scripts/set-version.mjs --check   changes nothing; exits 1 naming each package that differs
//
// Published packages are the workspace packages that are not private; they depend on each other with
// `workspace:*`, which `pnpm pack` and `pnpm publish` turn into this exact version.
import console from 'node:console';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
/** Rewrites only the "version" line, so the file keeps its formatting and key order. */
const writeVersion = (file, version) => {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/^(\s*"version":\s*)"[^"]*"/m, `$1"${version}"`);
  if (next === text && readJson(file).version !== version) throw new Error(`${file} has no "version" line`);
  writeFileSync(file, next);
};

/** The published packages: package.json files under the workspace's `<dir>/*` folders, not private. */
function publishedPackages() {
  const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...workspace.matchAll(/^\s*-\s*['"]?([^'"\s]+)\/\*['"]?\s*$/gm)].map((m) => m[1]);
  const files = globs.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(root, dir, e.name, 'package.json'))
      .filter((file) => existsSync(file)),
  );
  return files
    .map((file) => ({ file, pkg: readJson(file) }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ file, pkg }) => ({ name: pkg.name, version: pkg.version, file: relative(root, file) }));
}

const args = process.argv.slice(2);
const rootFile = join(root, 'package.json');
if (args[0] === '--check') {
  const version = readJson(rootFile).version;
  const differ = publishedPackages().filter((p) => p.version !== version);
  for (const p of differ) {
    console.error(`${p.name} (${p.file}) is at ${p.version}, the workspace at ${version}`);
  }
  if (differ.length > 0) {
    console.error('run: node scripts/set-version.mjs');
    process.exit(1);
  }
  console.log(`every published package is at ${version}`);
} else {
  if (args[0] !== undefined) {
    if (!SEMVER.test(args[0])) {
      console.error(`"${args[0]}" is not a version (e.g. 0.2.0 or 1.0.0-rc.1)`);
      process.exit(2);
    }
    writeVersion(rootFile, args[0]);
  }
  const version = readJson(rootFile).version;
  if (typeof version !== 'string' || !SEMVER.test(version)) {
    console.error(`package.json: "version" is ${JSON.stringify(version)}, not a version`);
    process.exit(2);
  }
  for (const p of publishedPackages()) {
    if (p.version === version) continue;
    writeVersion(join(root, p.file), version);
    console.log(`${p.name}: ${p.version} -> ${version}`);
  }
}
