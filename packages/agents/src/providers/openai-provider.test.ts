import { describe, expect, it } from 'vitest';
import { startFakeModelServer } from '../testing/index.js';
import { isModelError } from './model-error.js';
import { createOpenAIProvider } from './openai-provider.js';

const tools = [
  {
    name: 'search_corpus',
    description: 'Search the corpus',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
];

describe('createOpenAIProvider against an OpenAI-compatible server', () => {
  it('sends messages, tools and the response schema, and reads a plain answer with usage', async () => {
    await using server = await startFakeModelServer({
      openai: [{ text: '{"answer":"42"}', usage: { inputTokens: 12, outputTokens: 5 } }],
    });
    const provider = createOpenAIProvider({
      apiKey: 'sk-test',
      baseURL: server.openaiBaseURL,
      maxRetries: 0,
    });
    const res = await provider.chat({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'what is six times seven?' },
      ],
      tools,
      maxOutputTokens: 100,
      temperature: 0,
      responseSchema: { name: 'assistant', schema: { type: 'object' } },
    });
    expect(res).toEqual({
      content: '{"answer":"42"}',
      toolCalls: [],
      usage: { inputTokens: 12, outputTokens: 5 },
      model: 'gpt-4o-mini',
      provider: 'openai',
      finishReason: 'stop',
    });
    const body = server.requests[0]?.body ?? {};
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-test');
    expect(body['messages']).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'what is six times seven?' },
    ]);
    expect(body['tools']).toEqual([{ type: 'function', function: tools[0] }]);
    expect(body['max_tokens']).toBe(100); // not api.openai.com → the widely understood parameter
    expect(body['response_format']).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'assistant' },
    });
  });

  it('reads tool calls and sends tool results back in the follow-up', async () => {
    await using server = await startFakeModelServer({
      openai: [
        { toolCalls: [{ id: 'call_1', name: 'search_corpus', arguments: { query: 'nats' } }] },
        { text: 'done' },
      ],
    });
    const provider = createOpenAIProvider({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const first = await provider.chat({ model: 'm', messages: [{ role: 'user', content: 'q' }], tools });
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'search_corpus', arguments: { query: 'nats' } }]);
    await provider.chat({
      model: 'm',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: 'call_1', name: 'search_corpus', content: '{"hits":[]}' },
      ],
      tools,
    });
    expect(server.requests[1]?.body['messages']).toEqual([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'search_corpus', arguments: '{"query":"nats"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"hits":[]}' },
    ]);
  });

  it('streams text deltas and accumulates streamed tool-call arguments, with usage from the last chunk', async () => {
    await using server = await startFakeModelServer({
      openai: [
        { text: 'Hello there, streaming world', usage: { inputTokens: 7, outputTokens: 4 } },
        {
          toolCalls: [
            { name: 'search_corpus', arguments: { query: 'a long query that spans several chunks' } },
            { name: 'calculator', arguments: { expression: '2+2' } },
          ],
        },
      ],
    });
    const provider = createOpenAIProvider({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const deltas: string[] = [];
    const res = await provider.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      onDelta: (t) => deltas.push(t),
    });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello there, streaming world');
    expect(res.content).toBe('Hello there, streaming world');
    expect(res.usage).toEqual({ inputTokens: 7, outputTokens: 4 });
    expect(server.requests[0]?.body['stream_options']).toEqual({ include_usage: true });

    const calls = await provider.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      onDelta: () => {},
    });
    expect(calls.finishReason).toBe('tool_calls');
    expect(calls.toolCalls.map((c) => [c.name, c.arguments])).toEqual([
      ['search_corpus', { query: 'a long query that spans several chunks' }],
      ['calculator', { expression: '2+2' }],
    ]);
  });

  it('retries a 429 inside the SDK and then succeeds', async () => {
    await using server = await startFakeModelServer({ openai: [{ status: 429 }, { text: 'ok' }] });
    const provider = createOpenAIProvider({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 2 });
    const res = await provider.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.content).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('normalises exhausted 5xx retries, auth failures and bad requests into ModelError codes', async () => {
    await using server = await startFakeModelServer({
      apiKey: 'right',
      openai: [{ status: 500 }, { status: 500 }, { status: 503 }, { status: 400, message: 'bad field' }],
    });
    const provider = createOpenAIProvider({ apiKey: 'right', baseURL: server.openaiBaseURL, maxRetries: 2 });
    const err = await provider
      .chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(isModelError(err, 'SERVER_ERROR')).toBe(true);
    expect(err).toMatchObject({ retryable: true, status: 503, provider: 'openai' });
    expect(server.requests).toHaveLength(3);

    const bad = await provider
      .chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'BAD_REQUEST', retryable: false });

    const wrongKey = createOpenAIProvider({ apiKey: 'wrong', baseURL: server.openaiBaseURL, maxRetries: 2 });
    const auth = await wrongKey
      .chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(auth).toMatchObject({ code: 'AUTH', retryable: false });
  });

  it('reports an aborted call as ABORTED', async () => {
    await using server = await startFakeModelServer({ openai: [{ hang: true }] });
    const provider = createOpenAIProvider({ apiKey: 'k', baseURL: server.openaiBaseURL, maxRetries: 0 });
    const controller = new AbortController();
    const pending = provider.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      signal: controller.signal,
    });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('honours OPENAI_BASE_URL and names a missing key', async () => {
    await using server = await startFakeModelServer({ openai: [{ text: 'via env' }] });
    const provider = createOpenAIProvider({
      env: { OPENAI_BASE_URL: server.openaiBaseURL, OPENAI_API_KEY: 'k' },
      maxRetries: 0,
    });
    expect((await provider.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).content).toBe(
      'via env',
    );
    expect(() => createOpenAIProvider({ env: {} })).toThrow(/option "apiKey" is required/);
    expect(() => createOpenAIProvider({ apiKey: 'k', maxRetries: -1 })).toThrow(/option "maxRetries"/);
  });
});
