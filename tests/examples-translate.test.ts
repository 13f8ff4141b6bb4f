import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startNatsServer, watchChild } from '@troupe/bus/testing';
import { createClient } from '@troupe/client';
import { describe, expect, it } from 'vitest';

const BIN = join(repoRoot(), 'apps', 'cli', 'bin', 'troupe.js');
const CONFIG = join(repoRoot(), 'examples', 'translate', 'troupe.config.ts');

/** A user's environment without model keys (the offline model) and nothing of vitest's. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(OPENAI_|ANTHROPIC_|TROUPE_|OTEL_|NATS_URL$|VITEST|NODE_OPTIONS$)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

interface UpInfo {
  apiUrl: string;
  config?: string;
  processes: Array<{ kind: string; name: string; pid: number }>;
}

describe('examples/translate: a role and a workflow of ones own', () => {
  it('`troupe up --config` runs the translator as its own process and summarise-translate beside the built-ins', async () => {
    await using nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'troupe-example-translate-'));
    // `troupe up` in a process group of its own (the bin, the CLI and its children), on the test's nats-server.
    const up = spawn(
      process.execPath,
      [BIN, 'up', '--port', '0', '--dir', dir, '--config', CONFIG, '--json'],
      {
        cwd: repoRoot(),
        env: cleanEnv({ NATS_URL: nats.url }),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = watchChild(up);
    try {
      const info = JSON.parse(await output.waitForLine(/^\{"event":"up"/)) as UpInfo;
      expect(info.config).toBe(CONFIG);
      expect(info.processes.map((p) => `${p.kind}:${p.name}`)).toEqual([
        'supervisor:supervisor',
        'agent:planner',
        'agent:researcher',
        'agent:analyst',
        'agent:drafter',
        'agent:reviewer+assistant',
        'agent:translator',
        'api:api',
      ]);
      const client = createClient({ baseUrl: info.apiUrl });
      const workflow = (await client.workflows()).find((w) => w.name === 'summarise-translate');
      expect(workflow?.steps.map((s) => `${s.id}(${s.role})`)).toEqual([
        'summarise(assistant)',
        'translate(translator)',
      ]);

      const text =
        'Troupe runs agents with roles as separate processes. They talk over NATS, and a supervisor ' +
        'coordinates each workflow. The state of every task is kept in a key-value bucket.';
      const accepted = await client.submit('summarise-translate', { text, language: 'fr' });
      const task = await client.wait(accepted.id, { timeoutMs: 60_000 });
      expect(task.status, JSON.stringify(task.error)).toBe('completed');
      const { result } = await client.result(accepted.id);
      expect(result).toMatchObject({
        summary: 'Troupe runs agents with roles as separate processes.',
        language: 'fr',
        translation: "Troupe s'exécute agents avec rôles comme séparés processus.",
      });
      expect((result as { notes: string[] }).notes[0]).toMatch(
        /^offline model: word for word from a glossary/,
      );

      // The translation came from the translator's own process, the summary from the built-in assistant's.
      const fleet = await client.agents();
      const translatorPid = info.processes.find((p) => p.name === 'translator')!.pid;
      const translatorAgent = fleet.find((a) => a.roles.join() === 'translator');
      expect(translatorAgent?.pid).toBe(translatorPid);
      const byStep = Object.fromEntries(task.steps.map((s) => [s.stepId, s['agentId']]));
      expect(byStep['translate']).toBe(translatorAgent?.agentId);
      expect(byStep['summarise']).toBe(fleet.find((a) => a.roles.includes('assistant'))?.agentId);

      process.kill(-up.pid!, 'SIGINT');
      expect(await output.exited, output.stderr()).toEqual({ code: 0, signal: null });
    } finally {
      try {
        process.kill(-up.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
