import { Validator } from '@seriousme/openapi-schema-validator';
import { connect } from '@troupe/bus';
import { startNatsServer, natsHandles } from '@troupe/bus/testing';
import { createClient, ProblemSchema } from '@troupe/client';
import { describe, expect, it } from 'vitest';
import { createApi, isApiError, startApi } from '../index.js';
import { http, KEYS, startTroupe, TEST_KEYS, WORKFLOWS } from './fixtures/troupe.js';

const ROUTES: Array<[string, string]> = [
  ['post', '/v1/tasks'],
  ['get', '/v1/tasks'],
  ['get', '/v1/tasks/{id}'],
  ['get', '/v1/tasks/{id}/events'],
  ['get', '/v1/tasks/{id}/result'],
  ['get', '/v1/tasks/{id}/trace'],
  ['get', '/v1/tasks/{id}/trace/stream'],
  ['get', '/v1/tasks/{id}/audit'],
  ['get', '/v1/tasks/stream'],
  ['get', '/v1/usage'],
  ['get', '/v1/whoami'],
  ['get', '/v1/fleet'],
  ['get', '/v1/fleet/stream'],
  ['post', '/v1/tasks/{id}/cancel'],
  ['post', '/v1/tasks/{id}/review'],
  ['get', '/v1/workflows'],
  ['get', '/v1/agents'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/.well-known/agent-card.json'],
  ['post', '/a2a'],
];

describe('OpenAPI and operations', () => {
  it('serves an OpenAPI 3.1 document with every route, from the request schemas', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const call = http(troupe.url);
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; parameters?: Array<{ name: string; in: string }> }>
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');

    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // Every $ref resolves.
    expect(() => validator.resolveRefs()).not.toThrow();

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());

    // The request schemas are the zod ones: the submit body names the workflow pattern and is closed.
    const submit = doc.components.schemas['SubmitTaskRequest'] as {
      properties: Record<string, { pattern?: string }>;
      additionalProperties: unknown;
      required: string[];
    };
    expect(submit.properties['workflow']!.pattern).toBe('^[A-Za-z0-9_-]{1,128}$');
    expect(submit.additionalProperties).toBe(false);
    expect(submit.required).toContain('workflow');
    const list = doc.paths['/v1/tasks']!['get']!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(list).toEqual(expect.arrayContaining(['query:status', 'query:limit', 'query:cursor']));
    const post = doc.paths['/v1/tasks']!['post']!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(post).toContain('header:idempotency-key');
    expect(doc.components.schemas['Problem']).toBeDefined();

    const docs = await fetch(`${troupe.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
    const script = await fetch(`${troupe.url}/docs/js/scalar.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers /healthz, /readyz (503 once NATS is gone) and /metrics', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    const call = http(troupe.url);
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { nats: true, topology: true } },
    });
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    await troupe.server.stop();
    const notReady = await call('GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: 'not_ready', checks: { nats: false } });
    await troupe.server.restart();
    // The bus reconnects by itself and the API is ready again.
    let ready = await call('GET', '/readyz');
    for (let i = 0; i < 100 && ready.status !== 200; i++) {
      await troupe.bus.flush().catch(() => undefined);
      ready = await call('GET', '/readyz');
    }
    expect(ready.status).toBe(200);
  });

  it('without keys runs open as tenant "local" with every scope, on loopback', async () => {
    await using server = await startNatsServer();
    const bus = await connect({ servers: server.url });
    try {
      await bus.ensureTopology();
      const app = createApi({ bus, workflows: WORKFLOWS });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const address = app.server.address();
        const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
        const client = createClient({ baseUrl: url });
        const accepted = await client.submit('ask', { question: 'open mode' });
        expect(accepted.status).toBe('queued');
        const list = await client.list();
        expect(list.tasks.map((t) => t.id)).toContain(accepted.id);
        expect((await client.workflows()).map((w) => w.name)).toEqual(['ask', 'report', 'gated']);
        const card = await (
          await fetch(`${url}/.well-known/agent-card.json`, { headers: { 'a2a-version': '1.0' } })
        ).json();
        expect(card).not.toHaveProperty('securitySchemes.bearer');
      } finally {
        await app.close();
      }
    } finally {
      await bus.close();
    }
  });

  it('startApi refuses to listen beyond loopback without keys, and starts with keys from the environment', async () => {
    await expect(startApi({ host: '0.0.0.0', port: 0, env: {} })).rejects.toSatisfy(
      (err: unknown) => isApiError(err) && /refusing to listen on 0\.0\.0\.0/.test((err as Error).message),
    );
    await expect(startApi({ port: 0, env: { TROUPE_API_KEYS: 'short:acme:admin' } })).rejects.toThrow(
      /at least 16 characters/,
    );

    await using server = await startNatsServer();
    const api = await startApi({
      port: 0,
      env: {
        NATS_URL: server.url,
        TROUPE_API_KEYS: `${KEYS.acmeAdmin}:acme:admin`,
        TROUPE_API_RATE_LIMIT: '100',
        TROUPE_LOG_LEVEL: 'silent',
      },
    });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(natsHandles(api.bus).nc.info?.port).toBe(server.port);
      const unauthorized = await fetch(`${api.url}/v1/tasks`);
      expect(unauthorized.status).toBe(401);
      expect(ProblemSchema.parse(await unauthorized.json()).status).toBe(401);
      const workflows = await createClient({ baseUrl: api.url, apiKey: KEYS.acmeAdmin }).workflows();
      expect(workflows.map((w) => w.name)).toEqual(expect.arrayContaining(['ask', 'report']));
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
