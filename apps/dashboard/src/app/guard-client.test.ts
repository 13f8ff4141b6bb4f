import { createClient, TroupeApiError } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { guardClient } from './guard-client.js';

const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: 'urn:x', title: 't', status, detail, instance: '/v1/x' }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

/** A client whose transport answers with `answer` (no server involved: this is about the wrapper). */
function clientAnswering(answer: () => Response | Promise<Response>) {
  const unauthorized: TroupeApiError[] = [];
  const requests: string[] = [];
  const client = guardClient(
    createClient({ baseUrl: 'http://troupe.test', fetch: async () => answer(), maxReconnects: 0 }),
    { onUnauthorized: (err) => unauthorized.push(err), onRequest: (o) => requests.push(o) },
  );
  return { client, unauthorized, requests };
}

describe('guardClient', () => {
  it('reports a 401 of a call, which still fails with the problem', async () => {
    const { client, unauthorized } = clientAnswering(() =>
      problem(401, 'The API key is not valid: check it.'),
    );
    const err = await client.whoami().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeApiError);
    expect((err as TroupeApiError).problem?.detail).toBe('The API key is not valid: check it.');
    expect(unauthorized.map((e) => e.problem?.detail)).toEqual(['The API key is not valid: check it.']);
  });

  it('reports a 401 of a stream', async () => {
    const { client, unauthorized } = clientAnswering(() => problem(401, 'revoked'));
    const consume = async () => {
      for await (const _ of client.taskUpdates()) {
        // never reached
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(TroupeApiError);
    expect(unauthorized).toHaveLength(1);
  });

  it('does not report other failures as 401, and tells reached from unreachable', async () => {
    const forbidden = clientAnswering(() => problem(403, 'lacks the "review" scope'));
    await expect(forbidden.client.review('t1', 'approve')).rejects.toMatchObject({ status: 403 });
    expect(forbidden.unauthorized).toEqual([]);
    expect(forbidden.requests).toEqual(['reached']);

    const down = clientAnswering(() => Promise.reject(new TypeError('fetch failed')));
    await expect(down.client.workflows()).rejects.toMatchObject({ code: 'NETWORK' });
    expect(down.requests).toEqual(['unreachable']);
    expect(down.unauthorized).toEqual([]);
  });

  it('passes answers through and keeps method identity stable', async () => {
    const { client, requests } = clientAnswering(
      () =>
        new Response(
          JSON.stringify({ tenant: 'acme', name: 'k', scopes: ['tasks:read'], workflows: null, open: false }),
          {
            status: 200,
            headers: { 'content-type': 'application/json' },
          },
        ),
    );
    expect(await client.whoami()).toMatchObject({ tenant: 'acme' });
    expect(requests).toEqual(['reached']);
    expect(client.whoami).toBe(client.whoami);
  });
});
