import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  installTarballs,
  packWorkspaceShared,
  publishedPackages,
  REPO_ROOT,
  workspaceVersion,
} from './fixtures/packed-workspace.js';

/**
 * The packages as a user installs them: built, packed with `pnpm pack`, linted with publint and
 * @arethetypeswrong/cli, and installed with npm in an empty folder, where the client, the agents package and
 * the `troupe` command run from the built JavaScript. About a minute: most of it is `npm install` (scripts/test.sh
 * builds first, so the build here is a turbo cache hit).
 */

const run = promisify(execFile);
const SOURCE_CONDITION = '@troupe/source';

type ExportsMap = string | { [key: string]: ExportsMap };
interface Manifest {
  name: string;
  version: string;
  license?: string;
  exports?: ExportsMap;
  publishConfig?: { exports?: ExportsMap };
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The exports map without the `@troupe/source` condition: what `publishConfig.exports` must be. */
function withoutSourceCondition(map: ExportsMap): ExportsMap {
  if (typeof map === 'string') return map;
  return Object.fromEntries(
    Object.entries(map)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  );
}

/** Every file an exports map points at. */
const targetsOf = (map: ExportsMap): string[] =>
  typeof map === 'string' ? [map] : Object.values(map).flatMap(targetsOf);

describe('the published packages, as the repository declares them', () => {
  it('are all at the one workspace version (node scripts/set-version.mjs --check)', async () => {
    const result = await run(process.execPath, [join(REPO_ROOT, 'scripts/set-version.mjs'), '--check'], {
      cwd: REPO_ROOT,
    }).catch((err: { stderr?: string }) => ({ stdout: '', stderr: err.stderr ?? String(err) }));
    expect(result.stderr).toBe('');
    for (const p of publishedPackages()) expect(p.version, p.name).toBe(workspaceVersion());
  });

  it('publish the exports map they use here, without the @troupe/source condition', () => {
    const packages = publishedPackages();
    expect(packages.map((p) => p.name).sort()).toEqual(
      [
        '@troupe/agents',
        '@troupe/api',
        '@troupe/bus',
        '@troupe/cli',
        '@troupe/client',
        '@troupe/dashboard',
        '@troupe/supervisor',
        '@troupe/telemetry',
        '@troupe/tools',
      ].sort(),
    );
    for (const p of packages) {
      const manifest = readManifest(join(p.dir, 'package.json'));
      expect(manifest.license, p.name).toBe('MIT');
      expect(manifest.exports, p.name).toBeDefined();
      const usesSource = JSON.stringify(manifest.exports).includes(SOURCE_CONDITION);
      expect(manifest.publishConfig?.exports, `${p.name}: publishConfig.exports`).toEqual(
        usesSource ? withoutSourceCondition(manifest.exports!) : undefined,
      );
    }
  });
});

describe('the packed packages, installed with npm in an empty folder', () => {
  let work: string;
  let tarballs: Map<string, string>;
  /** Each tarball unpacked: its package.json and files, by package name. */
  const unpacked = new Map<string, string>();
  let installed: Promise<string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'troupe-packages-'));
    tarballs = await packWorkspaceShared();
    // npm install runs while the tarballs are linted.
    const app = join(work, 'app');
    installed = installTarballs(app, tarballs.values()).then(() => app);
    installed.catch(() => undefined);
    await Promise.all(
      [...tarballs].map(async ([name, tarball]) => {
        const dir = join(work, 'unpacked', name.replace('/', '+'));
        await mkdir(dir, { recursive: true });
        await run('tar', ['-xzf', tarball, '-C', dir]);
        unpacked.set(name, join(dir, 'package'));
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await installed?.catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('hold the built files, the LICENSE and a manifest with no source condition and no workspace: ranges', async () => {
    const license = await readFile(join(REPO_ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 Troupe authors\n/);
    for (const [name, dir] of unpacked) {
      const manifest = readManifest(join(dir, 'package.json'));
      expect(manifest.version, name).toBe(workspaceVersion());
      expect(JSON.stringify(manifest), name).not.toContain(SOURCE_CONDITION);
      expect(JSON.stringify(manifest), name).not.toContain('workspace:');
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dep.startsWith('@troupe/')) expect(range, `${name} -> ${dep}`).toBe(workspaceVersion());
      }
      for (const target of [...targetsOf(manifest.exports!), ...Object.values(manifest.bin ?? {})]) {
        expect(existsSync(join(dir, target)), `${name}: ${target}`).toBe(true);
      }
      expect(existsSync(join(dir, 'src')), `${name} publishes src/`).toBe(false);
      expect(await readFile(join(dir, 'LICENSE'), 'utf8'), `${name}: LICENSE`).toBe(license);
    }
    // The API serves the dashboard's files from the installed @troupe/dashboard.
    expect(existsSync(join(unpacked.get('@troupe/dashboard')!, 'dist/index.html'))).toBe(true);
  });

  it('pass publint (warnings count as errors)', async () => {
    const problems: string[] = [];
    for (const [name, tarball] of tarballs) {
      const data = await readFile(tarball);
      const { messages, pkg } = await publint({
        pack: {
          tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
        },
        level: 'warning',
        strict: true,
      });
      for (const m of messages)
        problems.push(`${name}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
    }
    expect(problems).toEqual([]);
  });

  it('pass @arethetypeswrong/cli (profile esm-only: node16 from ESM and bundler)', async () => {
    const attw = join(REPO_ROOT, 'node_modules/.bin/attw');
    const results = await Promise.all(
      [...tarballs].map(([name, tarball]) =>
        run(attw, [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], {
          env: cleanEnv(),
        }).then(
          () => '',
          (err: { stdout?: string; message: string }) => `${name}:\n${err.stdout || err.message}`,
        ),
      ),
    );
    expect(results.filter((r) => r !== '')).toEqual([]);
  });

  /** Runs an ES module in the installed folder; what it prints on stdout, parsed. */
  async function runInApp(code: string): Promise<unknown> {
    const app = await installed;
    const file = join(app, `check-${Math.random().toString(36).slice(2)}.mjs`);
    await writeFile(file, code);
    const { stdout } = await run(process.execPath, [file], { cwd: app, env: cleanEnv() });
    return JSON.parse(stdout);
  }

  it('import @troupe/client from its built JavaScript, with createClient', async () => {
    const result = await runInApp(`
      const client = await import('@troupe/client');
      console.log(JSON.stringify({ url: import.meta.resolve('@troupe/client'), createClient: typeof client.createClient }));
    `);
    expect(result).toEqual({
      url: expect.stringMatching(/\/node_modules\/@troupe\/client\/dist\/index\.js$/),
      createClient: 'function',
    });
  }, 180_000);

  it('import @troupe/agents and its testing entry point', async () => {
    const result = await runInApp(`
      const agents = await import('@troupe/agents');
      const testing = await import('@troupe/agents/testing');
      console.log(JSON.stringify({
        url: import.meta.resolve('@troupe/agents'),
        defineRole: typeof agents.defineRole,
        runAgent: typeof agents.runAgent,
        testing: Object.keys(testing).length > 0,
      }));
    `);
    expect(result).toEqual({
      url: expect.stringMatching(/\/node_modules\/@troupe\/agents\/dist\/index\.js$/),
      defineRole: 'function',
      runAgent: 'function',
      testing: true,
    });
  }, 180_000);

  it("import @troupe/api, which finds the dashboard's built files in the installed @troupe/dashboard", async () => {
    const result = await runInApp(`
      import { existsSync } from 'node:fs';
      import { join } from 'node:path';
      const api = await import('@troupe/api');
      const { dashboardAssetsDir } = await import('@troupe/dashboard');
      console.log(JSON.stringify({
        createApi: typeof api.createApi,
        dashboard: dashboardAssetsDir,
        built: existsSync(join(dashboardAssetsDir, 'index.html')),
      }));
    `);
    expect(result).toEqual({
      createApi: 'function',
      dashboard: expect.stringMatching(/\/node_modules\/@troupe\/dashboard\/dist$/),
      built: true,
    });
  }, 180_000);

  interface ProbedRun {
    code: number;
    stdout: string;
    stderr: string;
    /** The Node processes the command ran in, with their flags. */
    processes: Array<{ pid: number; execArgv: string[] }>;
    /** Every module they resolved. */
    urls: string[];
  }

  /**
   * Runs the installed `troupe` with a probe preloaded into every Node process it starts: the probe logs the
   * process's flags and every module it resolves, so a test sees which files ran, whether tsx was loaded, and
   * that no second process (bin/troupe.js re-executing itself under tsx) was spawned.
   */
  async function probedTroupe(args: string[], cwd?: string): Promise<ProbedRun> {
    const app = await installed;
    const log = join(app, 'probe.log');
    const hooks = join(app, 'probe-hooks.mjs');
    const probe = join(app, 'probe.mjs');
    if (!existsSync(probe)) {
      await writeFile(
        hooks,
        `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, JSON.stringify({ url: resolved.url }) + '\\n');
  return resolved;
}
`,
      );
      await writeFile(
        probe,
        `import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
const log = ${JSON.stringify(log)};
appendFileSync(log, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n');
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log } });
`,
      );
    }
    await rm(log, { force: true });
    const result = await run(join(app, 'node_modules/.bin/troupe'), args, {
      cwd: cwd ?? app,
      env: cleanEnv({ NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` }),
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? 1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? String(err),
      }),
    );
    const entries = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { pid?: number; execArgv?: string[]; url?: string });
    return {
      ...result,
      processes: entries.flatMap((e) =>
        e.pid !== undefined ? [{ pid: e.pid, execArgv: e.execArgv ?? [] }] : [],
      ),
      urls: entries.flatMap((e) => (e.url ? [e.url] : [])),
    };
  }

  const TYPESCRIPT = /\/tsx\/|\.ts$/;

  it('run `troupe --version` and `troupe --help` from the built JavaScript, with no tsx in the process', async () => {
    const version = await probedTroupe(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(workspaceVersion());
    expect(version.processes).toHaveLength(1);
    expect(version.processes[0]!.execArgv.join(' ')).not.toMatch(/tsx|@troupe\/source/);
    expect(version.urls).toContainEqual(
      expect.stringMatching(/\/node_modules\/@troupe\/cli\/dist\/main\.js$/),
    );
    expect(version.urls.filter((url) => TYPESCRIPT.test(url))).toEqual([]);

    const help = await probedTroupe(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: troupe /);
    for (const command of ['up', 'init', 'agent', 'supervisor', 'api', 'submit']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help.processes).toHaveLength(1);
    expect(help.urls.filter((url) => TYPESCRIPT.test(url))).toEqual([]);
  }, 180_000);

  it('load a project file written in TypeScript: tsx is loaded for it, in the same process', async () => {
    const app = await installed;
    const init = await probedTroupe(['init', 'project']);
    expect(init.code, init.stderr).toBe(0);
    // The role asked for is not there, so the command stops once it has read troupe.config.ts, before it
    // needs NATS; the message lists the project's own role, so the file was loaded.
    const agent = await probedTroupe(
      ['agent', '--role', 'nosuch', '--nats', 'nats://127.0.0.1:1'],
      join(app, 'project'),
    );
    expect(agent.code).not.toBe(0);
    expect(agent.stderr).toMatch(/"nosuch" is not a role/);
    expect(agent.stderr).toMatch(/troupe\.config\.ts defines headliner/);
    expect(agent.processes).toHaveLength(1);
    expect(agent.urls).toContainEqual(expect.stringMatching(/\/node_modules\/tsx\//));
    expect(agent.urls).toContainEqual(expect.stringMatching(/\/project\/troupe\.config\.ts$/));
  }, 180_000);
});
