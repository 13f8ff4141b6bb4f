import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createAnthropicProvider,
  createOpenAIProvider,
  defineAgent,
  defineRole,
  resolveModelChain,
  runAgent,
} from '@troupe/agents';
import { loadApiKeys, startApi } from '@troupe/api';
import { resolveConnectOptions } from '@troupe/bus';
import { findNatsServerBinary, startTestBus, type TestBus } from '@troupe/bus/testing';
import { createLogger, initTelemetry } from '@troupe/telemetry';
import { loadDefaultCorpus } from '@troupe/tools';
// The CLI is not a dependency of this package; its public entry, by path (as scripts/config-reference does).
import { loadProject, runCli } from '../apps/cli/src/index.js';
import { ENV_VARS } from '../scripts/config-reference/env-vars.js';
import { CONFIG_DOC, renderCli, updateConfigDoc } from '../scripts/config-reference/render.js';

const repo = join(import.meta.dirname, '..');

/** An environment that records every variable name asked of it. */
function recordingEnv(values: Record<string, string> = {}) {
  const read = new Set<string>();
  const env = new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string' && /^[A-Z][A-Z0-9_]*$/.test(key)) read.add(key);
      return Reflect.get(target, key);
    },
  }) as Record<string, string | undefined>;
  return { env, read };
}

/** Variables of the operating system, not of Troupe. */
const SYSTEM_VARIABLES = new Set(['PATH', 'HOME']);

const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

describe('docs/configuration.md', () => {
  it('is what scripts/config-reference.ts generates from the code', () => {
    const page = readFileSync(join(repo, CONFIG_DOC), 'utf8');
    const generated = updateConfigDoc(page);
    if (generated !== page) {
      const ours = page.split('\n');
      const theirs = generated.split('\n');
      const line = ours.findIndex((l, i) => l !== theirs[i]);
      throw new Error(
        `${CONFIG_DOC} is out of date: run pnpm docs:config\n` +
          `  first difference at line ${line + 1}:\n  - ${ours[line] ?? '(end of file)'}\n  + ${theirs[line] ?? '(end of file)'}`,
      );
    }
  });

  it('names only variables that scripts/config-reference/env-vars.ts documents', () => {
    const documented = new Set(ENV_VARS.map((v) => v.name));
    expect(documented.size, 'a variable is listed twice').toBe(ENV_VARS.length);
    const mentioned = new Set<string>();
    for (const match of renderCli().matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`/g)) mentioned.add(match[1]!);
    expect(
      [...mentioned].filter((name) => !documented.has(name)),
      'the CLI help names variables the page does not document',
    ).toEqual([]);
  });

  describe('the environment variables the code reads', () => {
    let testBus: TestBus;
    const read = new Set<string>();
    const watch = (values: Record<string, string> = {}) => {
      const r = recordingEnv(values);
      return {
        env: r.env,
        done: () => {
          for (const name of r.read) read.add(name);
        },
      };
    };
    let scratch: string;

    beforeAll(async () => {
      testBus = await startTestBus();
      scratch = mkdtempSync(join(tmpdir(), 'troupe-docs-config-'));

      // The bus: connect() and the test helpers.
      let w = watch();
      resolveConnectOptions({}, w.env);
      findNatsServerBinary(w.env);
      w.done();

      // The API as a process starts it: keys, limits, logger, telemetry (disabled: nothing installed here).
      w = watch({ TROUPE_API_PORT: '0', OTEL_SDK_DISABLED: 'true', TROUPE_LOG_LEVEL: 'silent' });
      loadApiKeys(w.env);
      const api = await startApi({ env: w.env, bus: testBus.bus });
      await api.close();
      w.done();

      // Telemetry with every branch of its plan open (still disabled, so nothing is installed).
      w = watch({
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp,prometheus',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.5',
      });
      await initTelemetry({ serviceName: 'docs-config-probe', env: w.env }).shutdown();
      createLogger({ name: 'docs-config-probe', env: w.env, destination: sink() });
      w.done();

      // Models: the chain an agent resolves, and the two SDK providers (their SDKs load on first call only).
      w = watch();
      resolveModelChain({ env: w.env });
      expect(() => createOpenAIProvider({ env: w.env })).toThrow(/OPENAI_API_KEY/);
      expect(() => createAnthropicProvider({ env: w.env })).toThrow(/ANTHROPIC_API_KEY/);
      w.done();
      w = watch({ ANTHROPIC_API_KEY: 'sk-ant-docs-config-probe' });
      createAnthropicProvider({ env: w.env });
      w.done();

      // An agent whose role names every built-in tool that reads a variable.
      w = watch();
      const role = defineRole({
        name: 'docs-config-probe',
        description: 'Reads nothing; exists so the agent builds its tools.',
        instructions: 'Answer with an empty object.',
        output: z.object({}),
        tools: ['search_corpus', 'read_file', 'http_fetch'],
      });
      const agent = await runAgent(defineAgent({ role }), {
        bus: testBus.bus,
        env: w.env,
        handleSignals: false,
      });
      await agent.stop();
      w.done();

      w = watch({ TROUPE_CORPUS_DIR: scratch });
      await loadDefaultCorpus({ env: w.env }).catch(() => undefined);
      w.done();

      // The CLI: a client command (against an address that refuses at once) and the project loader.
      w = watch({ TROUPE_API_URL: 'http://127.0.0.1:1' });
      await runCli(['workflows'], { stdout: sink(), stderr: sink(), env: w.env });
      await loadProject({ env: w.env, cwd: scratch });
      w.done();
    });

    afterAll(async () => {
      await testBus?.[Symbol.asyncDispose]();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('are all documented', () => {
      const documented = new Set(ENV_VARS.map((v) => v.name));
      const undocumented = [...read].filter((name) => !documented.has(name) && !SYSTEM_VARIABLES.has(name));
      expect(
        undocumented,
        'read by the code but missing from scripts/config-reference/env-vars.ts (add them, then run pnpm docs:config)',
      ).toEqual([]);
    });

    it('are still read, every one the page documents', () => {
      const stale = ENV_VARS.filter((v) => v.notProbed === undefined && !read.has(v.name)).map((v) => v.name);
      expect(
        stale,
        'documented in scripts/config-reference/env-vars.ts, but the code no longer reads them (or reads them where this test does not look: say why in `notProbed`)',
      ).toEqual([]);
    });
  });
});
