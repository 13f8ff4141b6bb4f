import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot, tsNodeArgs, watchChild } from '@troupe/bus/testing';
import { userEnv } from './fixtures/example-process.js';

const REPO = repoRoot();
const EXAMPLE = join(REPO, 'examples', 'client');

/** Runs a command in a process group of its own to its end; the group is killed when the test ends. */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    cwd: EXAMPLE,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watchChild(child);
  onTestFinished(() => killGroup(child.pid!));
  const exit = await output.exited;
  return { ...exit, stdout: output.stdout(), stderr: output.stderr() };
}

/** `troupe up` (every role in one agent process) in a fresh folder, for one test; stopped with Ctrl-C after. */
async function withTroupe(test: (apiUrl: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-example-client-'));
  const bin = join(REPO, 'apps', 'cli', 'bin', 'troupe.js');
  const up = spawn(process.execPath, [bin, 'up', '--port', '0', '--dir', dir, '--agents', 'one', '--json'], {
    cwd: REPO,
    env: userEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watchChild(up);
  onTestFinished(() => {
    killGroup(up.pid!);
    rmSync(dir, { recursive: true, force: true });
  });
  const info = JSON.parse(await output.waitForLine(/^\{"event":"up"/, 30_000)) as { apiUrl: string };
  await test(info.apiUrl);
  process.kill(-up.pid!, 'SIGINT');
  expect(await output.exited, output.stderr()).toEqual({ code: 0, signal: null });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** What both programs print: the events with their steps, the approval, then the completed document. */
function expectFollowedAndCompleted(stdout: string): void {
  expect(stdout).toMatch(/^submitted t[0-9a-z]+$/m);
  expect(stdout).toMatch(/^task\.started$/m);
  expect(stdout).toMatch(/^step\.dispatched plan$/m);
  expect(stdout).toMatch(/^step\.succeeded research-1$/m);
  expect(stdout).toMatch(/^review\.requested review\n {2}approved$/m);
  expect(stdout).toMatch(/^review\.decided review$/m);
  expect(stdout).toMatch(/^task\.completed$/m);
  expect(stdout).not.toContain('model.delta');
  expect(stdout).toMatch(/^completed · [1-9]\d* input and [1-9]\d* output tokens$/m);
  expect(stdout).toMatch(/^# .+/m);
  expect(stdout).toContain('## References');
}

describe('examples/client', () => {
  it('submit-and-follow.ts and curl.sh each submit a report, follow it, approve its review and print the document', async () => {
    const jq = spawnSync('sh', ['-c', 'command -v jq']);
    if (jq.status !== 0) throw new Error('jq not found on PATH: install it with `apt-get install -y jq`');
    await withTroupe(async (apiUrl) => {
      const env = userEnv({ TROUPE_API_URL: apiUrl });
      const program = await run(process.execPath, tsNodeArgs(join(EXAMPLE, 'submit-and-follow.ts')), env);
      expect(program.code, program.stderr).toBe(0);
      expectFollowedAndCompleted(program.stdout);

      const curl = await run(
        'bash',
        [join(EXAMPLE, 'curl.sh'), 'How does pino redact secrets in logs?'],
        env,
      );
      expect(curl.code, curl.stderr).toBe(0);
      expectFollowedAndCompleted(curl.stdout);
      expect(curl.stdout).toMatch(/^# .*pino/im);
    });
  }, 90_000);
});
