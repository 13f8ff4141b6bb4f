import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { watchChild } from '@troupe/bus/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanEnv, installTarballs, packWorkspaceShared, REPO_ROOT } from './fixtures/packed-workspace.js';

/**
 * `troupe init` as a user meets it: the repository's CLI writes a project in a temp folder, the workspace's
 * packed tarballs are installed there with npm in place of the registry versions, and the project runs the
 * way its README says: `troupe up` (the `troupe` script runs the installed bin; it is started here directly so
 * that the exit status after Ctrl-C is troupe's, not the package manager's), then the README's
 * `pnpm troupe submit summarise-headline --wait`. The task goes through the project's own workflow and its
 * own role, in processes that run the installed package's built JavaScript, not the repository's sources.
 * 30-40 s alone, about 70 s beside packages.test.ts: most of it is `npm install`; the tarballs are packed once
 * per build and shared (packWorkspaceShared).
 */

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'apps', 'cli', 'bin', 'troupe.js');
const TEXT =
  'NATS is a lightweight messaging system. JetStream adds streams and consumers that store messages.';

/** A user's environment: no model keys (the offline model), no NATS_URL (`up` starts its own nats-server). */
const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env = cleanEnv();
  for (const name of Object.keys(env)) {
    if (/^(OPENAI_|ANTHROPIC_|TROUPE_|OTEL_|NATS_URL$)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
};

/** A process's command line, or '' once it is gone. */
const commandLine = (pid: number): Promise<string> =>
  run('ps', ['-o', 'args=', '-p', String(pid)]).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );

/** The PIDs of a process's children. */
const childrenOf = (pid: number): Promise<number[]> =>
  run('ps', ['-o', 'pid=', '--ppid', String(pid)]).then(
    ({ stdout }) => stdout.split('\n').filter(Boolean).map(Number),
    () => [],
  );

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const killPid = (pid: number, signal: NodeJS.Signals = 'SIGKILL') => {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
};

/** The rows of the process table `troupe up` prints: kind, PID, what. */
function processTable(stdout: string): Array<{ kind: string; pid: number; what: string }> {
  return [...stdout.matchAll(/^ {2}(nats-server|supervisor|agent|api) +(\d+) +(.*)$/gm)].map((m) => ({
    kind: m[1]!,
    pid: Number(m[2]),
    what: m[3]!,
  }));
}

describe('a project from `troupe init`, installed from the packed workspace', () => {
  it('runs `troupe up` and a summarise-headline task through its own role, from the installed built CLI', async () => {
    const started = Date.now();
    const work = await mkdtemp(join(tmpdir(), 'troupe-init-installed-'));
    onTestFinished(() => rm(work, { recursive: true, force: true }));
    const project = join(work, 'my-troupe');

    // The repository's CLI writes the project; meanwhile the tarballs are packed (or found from this build).
    const [init, tarballs] = await Promise.all([
      run(process.execPath, [BIN, 'init', 'my-troupe'], { cwd: work, env: userEnv() }),
      packWorkspaceShared(),
    ]);
    expect(init.stdout).toContain('pnpm troupe up');
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    expect(readme).toMatch(/^pnpm troupe up\b/m);
    expect(readme).toMatch(/^pnpm troupe submit summarise-headline --wait\b/m);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    // `pnpm troupe …` runs the installed bin.
    expect(manifest.scripts['troupe']).toBe('troupe');
    const troupeDeps = Object.keys(manifest.dependencies).filter((d) => d.startsWith('@troupe/'));
    expect(troupeDeps.sort()).toEqual(['@troupe/agents', '@troupe/cli', '@troupe/supervisor']);
    const packedAt = Date.now();

    // The tarballs in place of the registry versions: npm rewrites the project's ranges to them.
    await installTarballs(project, tarballs.values());
    const installed = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const dep of troupeDeps) {
      const tarball = tarballs.get(dep)!;
      expect(installed.dependencies[dep], dep).toMatch(/^file:/);
      expect(installed.dependencies[dep]!.endsWith(tarball.slice(tarball.lastIndexOf('/'))), dep).toBe(true);
    }
    const cliDir = join(project, 'node_modules', '@troupe', 'cli');
    expect(existsSync(join(cliDir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(cliDir, 'src')), 'the installed CLI has no sources to run').toBe(false);
    const installedAt = Date.now();

    // `troupe up` in a process group of its own, as a terminal runs it: Ctrl-C reaches every process in it.
    const up = spawn(
      join(project, 'node_modules', '.bin', 'troupe'),
      ['up', '--port', '0', '--agents', 'one'],
      {
        cwd: project,
        env: userEnv(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = watchChild(up);
    const natsPidFile = join(project, '.troupe', 'nats', 'nats-server.pid');
    onTestFinished(async () => {
      killPid(-up.pid!);
      // nats-server runs in a process group of its own.
      const natsPid = existsSync(natsPidFile) ? Number(readFileSync(natsPidFile, 'utf8').trim()) : 0;
      if (natsPid > 0 && (await commandLine(natsPid)).includes(project)) killPid(natsPid);
      for (const p of processTable(output.stdout())) killPid(p.pid);
    });

    const apiUrl = (await output.waitForLine(/^API: +http/, 45_000)).replace(/^API: +/, '').trim();
    await output.waitForLine(/^Stop: /, 5_000);
    const upAt = Date.now();
    const stdout = output.stdout();
    expect(stdout).toMatch(/^Open: +http:\/\/127\.0\.0\.1:\d+\/ui\//m);
    expect(stdout).toContain('· project troupe.config.ts');
    const table = processTable(stdout);
    expect(table.map((p) => p.kind)).toEqual(['nats-server', 'supervisor', 'agent', 'api']);
    expect(table.find((p) => p.kind === 'supervisor')!.what).toContain('summarise-headline');
    expect(table.find((p) => p.kind === 'agent')!.what).toMatch(/^planner \+ .*\+ headliner · offline:/);

    // Not the repository's sources: `up` is the installed bin, which started the troupe's processes itself
    // (no second Node process under tsx in between, as the repository's bin runs), and each of them runs the
    // installed package's dist/main.js.
    const main = join(cliDir, 'dist', 'main.js');
    const upLine = await commandLine(up.pid!);
    expect(upLine).toContain(join(project, 'node_modules', '.bin', 'troupe'));
    // Its children: the table's processes, and the esbuild service tsx started to load troupe.config.ts.
    const children = await Promise.all(
      (await childrenOf(up.pid!)).map(async (pid) => ({ pid, line: await commandLine(pid) })),
    );
    const esbuild = join(project, 'node_modules', '@esbuild');
    expect(
      children
        .filter((c) => !c.line.startsWith(esbuild))
        .map((c) => c.pid)
        .sort(),
      JSON.stringify(children),
    ).toEqual(table.map((p) => p.pid).sort());
    for (const p of table.filter((row) => row.kind !== 'nats-server')) {
      const line = await commandLine(p.pid);
      expect(line, p.kind).toContain(`${main} ${p.kind}`);
      expect(line, p.kind).not.toMatch(/tsx|@troupe\/source/);
      expect(line, p.kind).not.toContain(REPO_ROOT);
    }
    expect(upLine).not.toContain(REPO_ROOT);

    // The README's command, with pnpm running the project's `troupe` script (npm installed the folder).
    const submit = await run(
      'pnpm',
      [
        'troupe',
        'submit',
        'summarise-headline',
        '--wait',
        '--json',
        '--input',
        JSON.stringify({ text: TEXT }),
      ],
      { cwd: project, env: userEnv({ TROUPE_API_URL: apiUrl }) },
    );
    const task = JSON.parse(submit.stdout.trim().split('\n').at(-1)!) as {
      status: string;
      result: unknown;
      error: unknown;
    };
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    // The summary is the built-in assistant's (offline model), the title and keywords the project's headliner's.
    expect(task.result).toMatchObject({
      summary: 'NATS is a lightweight messaging system.',
      title: 'NATS is a lightweight messaging system',
      keywords: ['lightweight', 'messaging'],
    });
    const doneAt = Date.now();

    process.kill(-up.pid!, 'SIGINT');
    expect(await output.exited, output.stderr()).toEqual({
      code: 0,
      signal: null,
    });
    expect(output.stdout()).toMatch(/^Stopped\.$/m);
    expect(table.filter((p) => isAlive(p.pid))).toEqual([]);
    expect(existsSync(natsPidFile)).toBe(false);
    console.info(
      `init + pack ${packedAt - started} ms · npm install ${installedAt - packedAt} ms · ` +
        `up ${upAt - installedAt} ms · ` +
        `task ${doneAt - upAt} ms · stop ${Date.now() - doneAt} ms`,
    );
  }, 180_000);
});
