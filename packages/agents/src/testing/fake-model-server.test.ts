import { describe, expect, it } from 'vitest';
import { startFakeModelServer } from './fake-model-server.js';

describe('startFakeModelServer', () => {
  it('records requests, checks keys, and says when its script ran out', async () => {
    const server = await startFakeModelServer({
      apiKey: 'secret',
      openai: [(req) => ({ text: `model was ${String(req.body['model'])}` })],
    });
    const post = (
      path: string,
      headers: Record<string, string>,
      body: unknown = { model: 'm', messages: [] },
    ) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    expect((await post('/v1/chat/completions', {})).status).toBe(401);
    const ok = await post('/v1/chat/completions', { authorization: 'Bearer secret' });
    expect(
      ((await ok.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe('model was m');
    const empty = await post('/v1/chat/completions', { authorization: 'Bearer secret' });
    expect(empty.status).toBe(500);
    expect(empty.headers.get('x-should-retry')).toBe('false');
    expect((await post('/v1/messages', { 'x-api-key': 'secret' })).status).toBe(500);
    expect((await post('/v2/nothing', { 'x-api-key': 'secret' })).status).toBe(404);
    expect(server.requests.map((r) => r.api)).toEqual(['openai', 'openai', 'openai', 'anthropic']);
    expect(server.pending('openai')).toBe(0);
    await server[Symbol.asyncDispose]();
    await expect(fetch(`${server.url}/v1/messages`, { method: 'POST' })).rejects.toThrow();
  });
});
