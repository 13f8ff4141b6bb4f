import { describe, expect, it } from 'vitest';
import { startFakeModelServer } from '../testing/index.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const tools = [
  {
    name: 'search_corpus',
    description: 'Search the corpus',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
];

describe('createAnthropicProvider against a messages-API server', () => {
  it('sends the system prompt separately, tools as input_schema, and reads the answer', async () => {
    await using server = await startFakeModelServer({
      anthropic: [{ text: 'Paris', usage: { inputTokens: 20, outputTokens: 2 } }],
    });
    const provider = createAnthropicProvider({
      apiKey: 'ak',
      baseURL: server.anthropicBaseURL,
      maxRetries: 0,
    });
    const res = await provider.chat({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'answer in one word' },
        { role: 'user', content: 'capital of France?' },
      ],
      tools,
      maxOutputTokens: 50,
    });
    expect(res).toEqual({
      content: 'Paris',
      toolCalls: [],
      usage: { inputTokens: 20, outputTokens: 2 },
      model: 'claude-haiku-4-5',
      provider: 'anthropic',
      finishReason: 'stop',
    });
    const req = server.requests[0];
    const key = req?.headers['x-api-key'] ?? req?.headers['authorization'];
    expect(key === 'ak' || key === 'Bearer ak').toBe(true);
    expect(req?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'answer in one word',
      max_tokens: 50,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'capital of France?' }] }],
      tools: [
        { name: 'search_corpus', description: 'Search the corpus', input_schema: tools[0]?.parameters },
      ],
    });
  });

  it('reads tool_use blocks and sends tool_result blocks in one user turn', async () => {
    await using server = await startFakeModelServer({
      anthropic: [
        {
          text: 'Let me look.',
          toolCalls: [
            { id: 'toolu_1', name: 'search_corpus', arguments: { query: 'a' } },
            { id: 'toolu_2', name: 'search_corpus', arguments: { query: 'b' } },
          ],
        },
        { text: 'final' },
      ],
    });
    const provider = createAnthropicProvider({
      apiKey: 'ak',
      baseURL: server.anthropicBaseURL,
      maxRetries: 0,
    });
    const first = await provider.chat({ model: 'c', messages: [{ role: 'user', content: 'q' }], tools });
    expect(first.finishReason).toBe('tool_calls');
    expect(first.content).toBe('Let me look.');
    expect(first.toolCalls).toEqual([
      { id: 'toolu_1', name: 'search_corpus', arguments: { query: 'a' } },
      { id: 'toolu_2', name: 'search_corpus', arguments: { query: 'b' } },
    ]);
    await provider.chat({
      model: 'c',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: first.content, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'toolu_1', name: 'search_corpus', content: 'A' },
        { role: 'tool', toolCallId: 'toolu_2', name: 'search_corpus', content: 'B', isError: true },
      ],
      tools,
    });
    expect(server.requests[1]?.body['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'search_corpus', input: { query: 'a' } },
          { type: 'tool_use', id: 'toolu_2', name: 'search_corpus', input: { query: 'b' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'A' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'B', is_error: true },
        ],
      },
    ]);
  });

  it('streams text deltas and tool input JSON', async () => {
    await using server = await startFakeModelServer({
      anthropic: [
        { text: 'Streaming from the fake Claude', usage: { inputTokens: 9, outputTokens: 6 } },
        { toolCalls: [{ name: 'calculator', arguments: { expression: '(1 + 2) * 3 / 4' } }] },
      ],
    });
    const provider = createAnthropicProvider({
      apiKey: 'ak',
      baseURL: server.anthropicBaseURL,
      maxRetries: 0,
    });
    const deltas: string[] = [];
    const res = await provider.chat({
      model: 'c',
      messages: [{ role: 'user', content: 'x' }],
      onDelta: (t) => deltas.push(t),
    });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Streaming from the fake Claude');
    expect(res).toMatchObject({
      content: 'Streaming from the fake Claude',
      usage: { inputTokens: 9, outputTokens: 6 },
    });
    expect(server.requests[0]?.stream).toBe(true);

    const calls = await provider.chat({
      model: 'c',
      messages: [{ role: 'user', content: 'x' }],
      onDelta: () => {},
    });
    expect(calls.finishReason).toBe('tool_calls');
    expect(calls.toolCalls[0]).toMatchObject({
      name: 'calculator',
      arguments: { expression: '(1 + 2) * 3 / 4' },
    });
  });

  it('retries a 429 inside the SDK, and reports exhausted 529s as retryable SERVER_ERROR', async () => {
    await using server = await startFakeModelServer({
      anthropic: [{ status: 429 }, { text: 'ok' }, { status: 529 }, { status: 529 }],
    });
    const provider = createAnthropicProvider({
      apiKey: 'ak',
      baseURL: server.anthropicBaseURL,
      maxRetries: 1,
    });
    expect((await provider.chat({ model: 'c', messages: [{ role: 'user', content: 'x' }] })).content).toBe(
      'ok',
    );
    const err = await provider
      .chat({ model: 'c', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelError', code: 'SERVER_ERROR', retryable: true, status: 529 });
    expect(server.requests).toHaveLength(4);
  });

  it('honours ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY from the env option', async () => {
    await using server = await startFakeModelServer({ anthropic: [{ text: 'env' }] });
    const provider = createAnthropicProvider({
      env: { ANTHROPIC_BASE_URL: server.anthropicBaseURL, ANTHROPIC_API_KEY: 'from-env' },
      maxRetries: 0,
    });
    expect((await provider.chat({ model: 'c', messages: [{ role: 'user', content: 'x' }] })).content).toBe(
      'env',
    );
    expect(() => createAnthropicProvider({ env: {} })).toThrow(/option "apiKey" is required/);
  });
});
