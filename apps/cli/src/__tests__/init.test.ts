import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@troupe/client';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, killAll, runCliProcess, spawnCli } from './cli-process.js';

const root = mkdtempSync(join(tmpdir(), 'troupe-init-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('troupe init', () => {
  it('writes a project whose role and workflow run with `troupe up` there, found without --config', async () => {
    const dir = join(root, 'My Troupe');
    const init = await runCliProcess(['init', dir]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('pnpm troupe up');
    expect(readdirSync(dir).sort()).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'troupe.config.ts',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      type: string;
      dependencies: Record<string, string>;
    };
    const cli = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(pkg).toMatchObject({ name: 'my-troupe', type: 'module' });
    expect(pkg.dependencies).toMatchObject({
      '@troupe/cli': `^${cli.version}`,
      '@troupe/agents': `^${cli.version}`,
      '@troupe/supervisor': `^${cli.version}`,
    });

    const again = await runCliProcess(['init', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'has a project already (package.json, troupe.config.ts): init writes a new one',
    );

    // Nothing is installed in the folder: its imports resolve to the packages the CLI runs with.
    const up = spawnCli(
      ['up', '--port', '0', '--dir', join(root, 'state'), '--agents', 'one', '--json'],
      cleanEnv(),
      {
        cwd: dir,
      },
    );
    let pids: number[] = [];
    try {
      const info = JSON.parse(await up.waitForLine(/^\{"event":"up"/)) as {
        apiUrl: string;
        config: string;
        processes: Array<{ name: string; pid: number }>;
      };
      pids = info.processes.map((p) => p.pid);
      expect(info.config).toBe(join(dir, 'troupe.config.ts'));
      expect(info.processes.map((p) => p.name)).toContain(
        'planner+researcher+analyst+drafter+reviewer+assistant+headliner',
      );
      const client = createClient({ baseUrl: info.apiUrl });
      const accepted = await client.submit('summarise-headline', {
        text: 'NATS is a lightweight messaging system. JetStream adds streams and consumers that store messages.',
      });
      const task = await client.wait(accepted.id, { timeoutMs: 60_000 });
      expect(task.status, JSON.stringify(task.error)).toBe('completed');
      expect((await client.result(accepted.id)).result).toMatchObject({
        summary: 'NATS is a lightweight messaging system.',
        title: 'NATS is a lightweight messaging system',
        keywords: ['lightweight', 'messaging'],
      });
      process.kill(-up.pid, 'SIGINT');
      expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
    } finally {
      up.killGroup();
      killAll(pids);
    }
  }, 180_000);
});
