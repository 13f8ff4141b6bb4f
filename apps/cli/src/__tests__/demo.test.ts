import { existsSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cleanEnv, isAlive, killAll, spawnCli, tablePids } from './cli-process.js';

/** Runs `troupe demo` through the real bin; whatever happens, nothing it started outlives the test. */
async function demo(args: string[]) {
  const started = Date.now();
  const p = spawnCli(['demo', ...args], cleanEnv());
  // Whatever ends the test (its assertions, a failure, the test timeout), nothing the demo started outlives it.
  onTestFinished(() => {
    p.killGroup();
    killAll(tablePids(p.stdout()));
  });
  const { code } = await p.exited;
  return { code, out: p.stdout(), err: p.stderr(), wallMs: Date.now() - started };
}

describe('troupe demo', () => {
  it('answers the default question with a cited report, the verdict, tokens and cost, then stops everything (exit 0)', async () => {
    const r = await demo([]);
    expect(r.code, r.err).toBe(0);
    // The troupe it ran: nats-server, a supervisor, five agent processes, the API.
    const pids = tablePids(r.out);
    expect(pids).toHaveLength(8);
    expect(r.out).toMatch(
      /agent +\d+ +reviewer \+ assistant · offline:offline-1 \(the assistant role shares the reviewer process\)/,
    );
    // Live progress (no TTY here: a line per change).
    expect(r.out).toMatch(/research-1 +✔ researcher · researcher-/);
    expect(r.out).toMatch(/task +completed · \d+ steps · 5 agents/);
    // The report, its references, the review, tokens and cost, the model and the API.
    expect(r.out).toMatch(/^# .*acknowledge/im);
    expect(r.out).toMatch(/^## References$/m);
    expect(r.out).toMatch(/^1\. .+ — \/.+\.md$/m);
    expect(r.out).toMatch(
      /^Review verdict: (approve|revise) · confidence \d\.\d\d · by agent · \d rounds?$/m,
    );
    expect(r.out).toMatch(/^Tokens and cost: [\d,]+ tokens \([\d,]+ in, [\d,]+ out\) · cost \$\d+\.\d+$/m);
    expect(r.out).toMatch(/^Answered by: offline:offline-1$/m);
    expect(r.out).toMatch(/^API: http:\/\/127\.0\.0\.1:\d+ /m);
    expect(r.out).toMatch(/^Demo done in [\d.]+ s\.$/m);
    // Everything stopped, and the temporary state folder is gone.
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    const dir = /JetStream in (\S+)\/nats/.exec(r.out)?.[1];
    expect(dir && existsSync(dir)).toBe(false);
    expect(r.err).toBe('');
  }, 150_000);

  it('approves the task itself when the reviewer parks it for a person, and says so', async () => {
    const r = await demo([
      '--question',
      'How does pino redact secrets in logs?',
      '--options',
      '{"reviewThreshold":1}',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /review +waiting for a person: the reviewer says \w+ \(confidence 0\.\d\d, threshold 1\)/,
    );
    expect(r.out).toMatch(
      /^Review: the reviewer said \w+ with confidence 0\.\d\d, under the threshold of 1, so the supervisor parked the task for a person: the demo approved it in your place\.$/m,
    );
    expect(r.out).toMatch(/^Review verdict: approve · confidence 0\.\d\d · by a person · 1 round$/m);
    expect(r.out).toMatch(/^## References$/m);
    for (const pid of tablePids(r.out)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 150_000);
});
