import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '@troupe/client';
import { startNatsServer } from '@troupe/bus/testing';
import { cleanEnv, isAlive, killAll, runCliProcess, spawnCli } from './cli-process.js';

interface UpInfo {
  event: 'up';
  apiUrl: string;
  natsUrl: string;
  processes: Array<{ kind: string; name: string; pid: number }>;
}

/**
 * Runs `troupe up --json` with `args` in a fresh state folder, hands the test what it printed, and whatever
 * the test does, kills what is left and removes the folder.
 */
async function withUp(
  args: readonly string[],
  test: (up: ReturnType<typeof spawnCli>, info: UpInfo, dir: string) => Promise<void>,
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-up-test-'));
  const up = spawnCli(['up', '--port', '0', '--dir', dir, ...args, '--json'], env);
  let pids: number[] = [];
  try {
    const info = JSON.parse(await up.waitForLine(/^\{"event":"up"/)) as UpInfo;
    pids = info.processes.map((p) => p.pid);
    await test(up, info, dir);
  } finally {
    up.killGroup();
    killAll(pids);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('troupe up', () => {
  it('runs a whole troupe; submit --wait, review and watch work against it; Ctrl-C stops every process, exit 0', async () => {
    await withUp([], async (up, info, dir) => {
      const pids = info.processes.map((p) => p.pid);
      expect(info.processes.map((p) => `${p.kind}:${p.name}`)).toEqual([
        'nats-server:nats-server',
        'supervisor:supervisor',
        'agent:planner',
        'agent:researcher',
        'agent:analyst',
        'agent:drafter',
        'agent:reviewer+assistant',
        'api:api',
      ]);
      for (const pid of pids) expect(isAlive(pid)).toBe(true);
      expect(existsSync(join(dir, 'up.json'))).toBe(true);
      const env = cleanEnv({ TROUPE_API_URL: info.apiUrl });

      // A report, start to end.
      const report = await runCliProcess(
        [
          'submit',
          'report',
          '--question',
          'How do NATS JetStream consumers acknowledge messages?',
          '--wait',
          '--json',
        ],
        env,
      );
      expect(report.code, report.stderr).toBe(0);
      const result = JSON.parse(report.stdout) as {
        status: string;
        result: { document: string; citations: unknown[] };
        usage: { inputTokens: number };
      };
      expect(result.status).toBe('completed');
      expect(result.result.document).toContain('## References');
      expect(result.result.citations.length).toBeGreaterThan(0);
      expect(result.usage.inputTokens).toBeGreaterThan(0);

      // The fleet and the catalogue.
      const agents = await runCliProcess(['agents', '--json'], env);
      const fleet = JSON.parse(agents.stdout) as Array<{ roles: string[] }>;
      expect(fleet.map((a) => a.roles.join('+')).sort()).toEqual([
        'analyst',
        'drafter',
        'planner',
        'researcher',
        'reviewer+assistant',
      ]);
      const unknown = await runCliProcess(['submit', 'summarise', '--question', 'x'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(
        'There is no workflow "summarise". Available: ask, rag, extract, tools, report',
      );

      // A task parked for a person: status says so, review approves it, watch follows it to the end.
      const submitted = await runCliProcess(
        [
          'submit',
          'report',
          '--question',
          'How does pino redact secrets in logs?',
          '--options',
          '{"reviewThreshold":1}',
          '--json',
        ],
        env,
      );
      expect(submitted.code, submitted.stderr).toBe(0);
      const id = (JSON.parse(submitted.stdout) as { id: string }).id;
      // Wait on the task's own events (SSE) for the review request, then ask the CLI.
      for await (const { event } of createClient({ baseUrl: info.apiUrl }).events(id)) {
        if (event.type === 'review.requested') break;
      }
      const parked = await runCliProcess(['status', id, '--json'], env);
      const status = (JSON.parse(parked.stdout) as { status: string }).status;
      expect(status).toBe('awaiting_review');
      const human = await runCliProcess(['status', id], env);
      expect(human.stdout).toContain(
        `Review: waiting for a person → troupe review ${id} approve|reject|revise`,
      );
      const review = await runCliProcess(['review', id, 'approve', '--notes', 'checked by the test'], env);
      expect(review.code, review.stderr).toBe(0);
      const watch = await runCliProcess(['watch', id], env);
      expect(watch.code, watch.stderr).toBe(0);
      expect(watch.stdout).toMatch(/review +approve by human/);
      expect(watch.stdout).toMatch(/task +completed · \d+ steps · 5 agents/);

      // Ctrl-C: SIGINT to the whole foreground process group, as a terminal sends it.
      process.kill(-up.pid, 'SIGINT');
      const exit = await up.exited;
      expect(exit, up.stderr()).toEqual({ code: 0, signal: null });
      expect(up.stdout().trim().split('\n').at(-1)).toBe('{"event":"stopped"}');
      expect(up.stderr()).toMatch(
        /stopping: the API[\s\S]*stopping: the agents[\s\S]*stopping: the supervisor[\s\S]*stopping: nats-server/,
      );
      for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
      expect(existsSync(join(dir, 'up.json'))).toBe(false);
      expect(existsSync(join(dir, 'nats', 'jetstream'))).toBe(true);
    });
  }, 180_000);

  it('--agents one runs every role in one agent process, and a report completes through it', async () => {
    await withUp(['--agents', 'one'], async (up, info) => {
      expect(info.processes.map((p) => `${p.kind}:${p.name}`)).toEqual([
        'nats-server:nats-server',
        'supervisor:supervisor',
        'agent:planner+researcher+analyst+drafter+reviewer+assistant',
        'api:api',
      ]);
      const env = cleanEnv({ TROUPE_API_URL: info.apiUrl });
      const report = await runCliProcess(
        [
          'submit',
          'report',
          '--question',
          'How do NATS JetStream streams store messages?',
          '--wait',
          '--json',
        ],
        env,
      );
      expect(report.code, report.stderr).toBe(0);
      const result = JSON.parse(report.stdout) as { status: string; result: { document: string } };
      expect(result.status).toBe('completed');
      expect(result.result.document).toContain('## References');
      process.kill(-up.pid, 'SIGINT');
      expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
      for (const p of info.processes) expect(isAlive(p.pid), `pid ${p.pid}`).toBe(false);
    });
  }, 180_000);

  it('--nats attaches to a server of yours with user/password auth: no nats-server of its own, a task completes, Ctrl-C stops what it started and leaves the server running', async () => {
    await using server = await startNatsServer({
      config: 'authorization { user: troupe, password: "up-test-pw" }',
    });
    // The user as a flag, the password from the environment, as the help advises.
    const env = cleanEnv({ TROUPE_NATS_PASSWORD: 'up-test-pw' });
    await withUp(
      ['--nats', server.url, '--user', 'troupe', '--agents', 'one'],
      async (up, info) => {
        expect(info.natsUrl).toBe(server.url);
        expect(info.processes.map((p) => p.kind)).toEqual(['supervisor', 'agent', 'api']);
        const ask = await runCliProcess(
          [
            'submit',
            'ask',
            '--question',
            'How do JetStream consumers acknowledge messages?',
            '--wait',
            '--json',
          ],
          cleanEnv({ TROUPE_API_URL: info.apiUrl }),
        );
        expect(ask.code, ask.stderr).toBe(0);
        expect((JSON.parse(ask.stdout) as { status: string }).status).toBe('completed');

        process.kill(-up.pid, 'SIGINT');
        expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
        expect(up.stderr()).toContain(`attaching to NATS at ${server.url}`);
        expect(up.stderr()).not.toContain('nats-server');
        for (const p of info.processes) expect(isAlive(p.pid), `pid ${p.pid}`).toBe(false);
        expect(server.running).toBe(true);
      },
      env,
    );
  }, 180_000);

  it('--nats with a wrong password fails before starting anything, naming the server', async () => {
    await using server = await startNatsServer({
      config: 'authorization { user: troupe, password: "up-test-pw" }',
    });
    const dir = mkdtempSync(join(tmpdir(), 'troupe-up-test-'));
    try {
      const run = await runCliProcess(
        ['up', '--dir', dir, '--nats', server.url, '--user', 'troupe', '--password', 'wrong'],
        cleanEnv(),
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot attach to NATS: cannot connect to NATS at ${server.url}`);
      expect(run.stderr).toContain('Authorization Violation');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown --agents layout before starting anything, naming the choices', async () => {
    const run = await runCliProcess(['up', '--agents', 'three'], cleanEnv());
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("'three' is invalid");
    expect(run.stderr).toContain('per-role, one');
  });
});
