import { existsSync } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCorpus, type Corpus } from './corpus.js';

/** Names the folders of the default corpus (separated by the platform's path delimiter) instead of installed docs. */
export const CORPUS_DIR_ENV = 'TROUPE_CORPUS_DIR';

export interface DefaultCorpusOptions {
  /** Where to look for `node_modules`. Default: the first ancestor of the working directory, then of this module, that has one. */
  root?: string;
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Caps measured to keep indexing the installed docs well under 1.5 s on a 2-core machine. */
const LIMITS = { maxFiles: 700, maxBytesPerFile: 16 * 1024, maxTotalBytes: 4 * 1024 * 1024 } as const;

const cache = new Map<string, Promise<Corpus>>();

/**
 * The corpus every Troupe install has: the Markdown docs of the installed packages (READMEs and `docs/*.md`),
 * or the folders named by `TROUPE_CORPUS_DIR`. Built once per process and per setting, then cached.
 */
export function loadDefaultCorpus(options: DefaultCorpusOptions = {}): Promise<Corpus> {
  const env = options.env ?? process.env;
  const folders = (env[CORPUS_DIR_ENV] ?? '').split(path.delimiter).filter((f) => f.trim() !== '');
  const root = folders.length > 0 ? '' : (options.root ?? findNodeModulesRoot());
  const key = folders.length > 0 ? `dirs:${folders.join(path.delimiter)}` : `root:${root}`;
  let corpus = cache.get(key);
  if (!corpus) {
    corpus =
      folders.length > 0
        ? createCorpus({ folders })
        : findInstalledDocs(root).then((files) => createCorpus({ files, ...LIMITS }));
    corpus.catch(() => cache.delete(key));
    cache.set(key, corpus);
  }
  return corpus;
}

/**
 * Where the packages are installed: the nearest ancestor (of the working directory, then of this module) with
 * pnpm's store `node_modules/.pnpm` (a workspace package's own `node_modules` holds only links), else the
 * nearest with a `node_modules`.
 */
export function findNodeModulesRoot(): string {
  const starts = [process.cwd(), path.dirname(fileURLToPath(import.meta.url))];
  for (const marker of [path.join('node_modules', '.pnpm'), 'node_modules']) {
    for (const start of starts) {
      for (let dir = start; ; dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, marker))) return dir;
        if (path.dirname(dir) === dir) break;
      }
    }
  }
  return process.cwd();
}

/**
 * README.md and docs/*.md of every package installed under `root/node_modules`: pnpm's store layout
 * (`.pnpm/<pkg>@<v>/node_modules/<pkg>`, each package once) or a flat one. READMEs first, sorted by package.
 */
export async function findInstalledDocs(root: string): Promise<{ path: string; label: string }[]> {
  const nodeModules = path.join(root, 'node_modules');
  const store = path.join(nodeModules, '.pnpm');
  const packageDirs: { dir: string; name: string }[] = [];
  if (existsSync(store)) {
    for (const entry of await safeReaddir(store)) {
      packageDirs.push(...(await packagesIn(path.join(store, entry, 'node_modules'), false)));
    }
  } else {
    packageDirs.push(...(await packagesIn(nodeModules, true)));
  }
  packageDirs.sort((a, b) => a.name.localeCompare(b.name));

  const readmes: { path: string; label: string }[] = [];
  const docs: { path: string; label: string }[] = [];
  const seen = new Set<string>();
  for (const { dir, name } of packageDirs) {
    if (seen.has(name)) continue;
    seen.add(name);
    const entries = await safeReaddir(dir);
    const readme = entries.find((e) => e.toLowerCase() === 'readme.md');
    if (readme) readmes.push({ path: path.join(dir, readme), label: `${name}/${readme}` });
    if (entries.includes('docs')) {
      for (const doc of (await safeReaddir(path.join(dir, 'docs'))).sort()) {
        if (doc.toLowerCase().endsWith('.md'))
          docs.push({ path: path.join(dir, 'docs', doc), label: `${name}/docs/${doc}` });
      }
    }
  }
  return [...readmes, ...docs];
}

/**
 * Package folders directly in a `node_modules` (scopes included). In pnpm's store only real folders count:
 * the links there point at other packages' own folders, which are listed once on their own.
 */
async function packagesIn(
  nodeModules: string,
  followLinks: boolean,
): Promise<{ dir: string; name: string }[]> {
  const out: { dir: string; name: string }[] = [];
  for (const entry of await safeReaddir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of await safeReaddir(path.join(nodeModules, entry))) {
        const dir = path.join(nodeModules, entry, scoped);
        if (await isDir(dir, followLinks)) out.push({ dir, name: `${entry}/${scoped}` });
      }
    } else {
      const dir = path.join(nodeModules, entry);
      if (await isDir(dir, followLinks)) out.push({ dir, name: entry });
    }
  }
  return out;
}

async function isDir(dir: string, followLinks: boolean): Promise<boolean> {
  try {
    return (await (followLinks ? stat(dir) : lstat(dir))).isDirectory();
  } catch {
    return false;
  }
}

async function safeReaddir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
