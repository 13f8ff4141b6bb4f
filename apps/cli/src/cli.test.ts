import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCaptured as run } from './__tests__/run-captured.js';

/** A port nothing listens on (taken from the system, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('troupe: command line and mistakes', () => {
  it('shows the usage with --help (exit 0) and without a command', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'up',
      'init',
      'demo',
      'agent',
      'supervisor',
      'api',
      'submit',
      'status',
      'watch',
      'review',
      'agents',
      'workflows',
    ]) {
      expect(help.stdout).toContain(command);
    }
    const none = await run([]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Usage: troupe');
    const submitHelp = await run(['submit', '--help']);
    expect(submitHelp.stdout).toMatch(
      /--input <json>[\s\S]*--question <text>[\s\S]*--wait[\s\S]*--api <url>[\s\S]*--key <key>[\s\S]*--json/,
    );
  });

  it('bad JSON in --input names the position, exit 1, no stack trace', async () => {
    const r = await run([
      'submit',
      'report',
      '--input',
      '{"question": "why", }',
      '--api',
      'http://127.0.0.1:9',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: --input is not valid JSON');
    expect(r.stderr).toContain('at position 20 (line 1, column 21)');
    noStack(r.stderr);
  });

  it('a task needs exactly one of --input and --question', async () => {
    const neither = await run(['submit', 'report']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/needs an input: pass --input '<json>' or --question/);
    const both = await run(['submit', 'report', '--input', '{}', '--question', 'q']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('pass either --input or --question, not both');
    const array = await run(['submit', 'report', '--question', 'q', '--options', '[1]']);
    expect(array.code).toBe(1);
    expect(array.stderr).toContain('--options must be a JSON object');
  });

  it('an unreachable API names the URL and how to start one', async () => {
    const port = await closedPort();
    const r = await run(['submit', 'report', '--question', 'why?', '--api', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot reach the Troupe API at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('troupe up');
    noStack(r.stderr);
    const fromEnv = await run(['agents'], { TROUPE_API_URL: `http://127.0.0.1:${port}/` });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(`cannot reach the Troupe API at http://127.0.0.1:${port}`);
    const badEnv = await run(['workflows'], { TROUPE_API_URL: 'localhost:3000' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain('the API URL "localhost:3000" is not an http(s) URL');
  });

  it('flag values are checked before anything runs, and the message names the flag', async () => {
    const port = await run(['up', '--port', 'abc']);
    expect(port.code).toBe(1);
    expect(port.stderr).toContain(
      "option '--port <n>' argument 'abc' is invalid. a port must be a whole number from 0 to 65535.",
    );
    const role = await run(['agent', '--role', 'planner,judge']);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain(
      '--role: "judge" is not a role: the built-in roles are planner, researcher, analyst, drafter, reviewer, assistant; no troupe.config.ts was found',
    );
    const missing = await run(['agent']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--role <roles>' not specified");
    const model = await run(['agent', '--role', 'planner', '--model', 'gpt-4o']);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain('expected provider:model');
    const decision = await run(['review', 't0abc', 'maybe']);
    expect(decision.code).toBe(1);
    expect(decision.stderr).toContain('Allowed choices are approve, reject, revise');
    const id = await run(['status', '../etc/passwd']);
    expect(id.code).toBe(1);
    expect(id.stderr).toContain('"../etc/passwd" is not a task id');
    const unknown = await run(['launch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'launch'");
  });

  it('an unknown model provider is refused by the agent command before it connects', async () => {
    const r = await run([
      'agent',
      '--role',
      'planner',
      '--model',
      'mistral:large',
      '--nats',
      'nats://127.0.0.1:9',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /--model "mistral:large" names an unknown provider "mistral": expected one of openai, anthropic, offline/,
    );
    noStack(r.stderr);
  });

  it('an unreachable NATS server is named, with what to do', async () => {
    const port = await closedPort();
    const r = await run(['supervisor', '--nats', `nats://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot connect to NATS at nats://127.0.0.1:${port}`);
    expect(r.stderr).toContain('set NATS_URL');
    noStack(r.stderr);
  });
});
