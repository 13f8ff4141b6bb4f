import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeModelServer, type RecordedRequest } from '@troupe/agents/testing';
import { repoRoot, spawnTs, startNatsServer } from '@troupe/bus/testing';
import { userEnv } from './fixtures/example-process.js';

const EXAMPLE = join(repoRoot(), 'examples', 'mcp');

/** The content of the tool message answering the model's call of `tool`, as the agent sent it. */
function toolAnswer(request: RecordedRequest, tool: string): string {
  const messages = request.body['messages'] as Array<{
    role: string;
    content?: string;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; function: { name: string } }>;
  }>;
  const callId = messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === tool)?.id;
  const answer = messages.find((m) => m.role === 'tool' && m.tool_call_id === callId)?.content;
  if (answer === undefined) throw new Error(`no answer to a ${tool} call in the request`);
  return answer;
}

describe('examples/mcp', () => {
  it("run.ts gives the assistant an MCP server's tools; a tools task calls them over stdio and answers with what they said", async () => {
    await using nats = await startNatsServer();
    // A model that picks tools, on the OpenAI wire format: it looks JetStream up, counts the words of the
    // definition it got, then answers with both.
    let definition = '';
    await using models = await startFakeModelServer({
      openai: [
        { toolCalls: [{ name: 'glossary__lookup', arguments: { term: 'JetStream' } }] },
        (request) => {
          definition = /JetStream is the persistence layer[^"\\]*/.exec(
            toolAnswer(request, 'glossary__lookup'),
          )![0];
          return { toolCalls: [{ name: 'glossary__word_count', arguments: { text: definition } }] };
        },
        (request) => {
          const words = /(\d+) words/.exec(toolAnswer(request, 'glossary__word_count'))![1];
          return {
            text: JSON.stringify({ answer: `${definition} (${words} words)`, citations: [] }),
          };
        },
      ],
    });
    await using run = spawnTs(join(EXAMPLE, 'run.ts'), {
      env: userEnv({
        NATS_URL: nats.url,
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: models.openaiBaseURL,
        TROUPE_MODEL: 'openai:gpt-4o-mini',
      }),
    });
    onTestFinished(() => run[Symbol.asyncDispose]());
    const exit = await run.exited;
    expect(exit, `${run.stdout()}\n${run.stderr()}`).toEqual({ code: 0, signal: null });

    const offered = (models.requests[0]!.body['tools'] as Array<{ function: { name: string } }>).map(
      (t) => t.function.name,
    );
    expect(offered).toEqual(expect.arrayContaining(['glossary__lookup', 'glossary__word_count']));
    const stdout = run.stdout();
    expect(stdout).toMatch(/^submitted t[0-9a-z]+$/m);
    expect(stdout).toContain('tool.call glossary__lookup {"term":"JetStream"} ok');
    expect(stdout).toMatch(
      /^tool\.call glossary__word_count \{"text":"JetStream is the persistence .*"\} ok$/m,
    );
    expect(stdout).toMatch(/^completed\nJetStream is the persistence layer of NATS: .* \(\d+ words\)$/m);
  }, 60_000);
});
