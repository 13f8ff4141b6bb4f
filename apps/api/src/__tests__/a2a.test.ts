import { randomUUID } from 'node:crypto';
import {
  Role,
  TaskState,
  type Message,
  type Part,
  type SendMessageRequest,
  type StreamResponse,
  type Task,
} from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { createClient } from '@troupe/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTroupe, TEST_KEYS, type TroupeFixture } from './fixtures/troupe.js';

let troupe: TroupeFixture;

beforeAll(async () => {
  troupe = await startTroupe({ keys: TEST_KEYS });
});

afterAll(async () => {
  await troupe?.[Symbol.asyncDispose]();
});

/** The official SDK client, with the API key added to every request it makes. */
async function a2aClient(key: string): Promise<Client> {
  const fetchWithKey: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: fetchWithKey })],
    }),
  );
  return factory.createFromUrl(troupe.url);
}

const text = (value: string): Part => ({
  content: { $case: 'text', value },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

function request(
  question: string,
  opts: { workflow?: string; returnImmediately?: boolean; taskId?: string } = {},
): SendMessageRequest {
  const message: Message = {
    messageId: randomUUID(),
    contextId: '',
    taskId: opts.taskId ?? '',
    role: Role.ROLE_USER,
    parts: [text(question)],
    metadata: opts.workflow ? { workflow: opts.workflow } : undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  return {
    tenant: '',
    message,
    configuration:
      opts.returnImmediately !== undefined
        ? {
            acceptedOutputModes: [],
            taskPushNotificationConfig: undefined,
            returnImmediately: opts.returnImmediately,
          }
        : undefined,
    metadata: undefined,
  };
}

const artifactText = (task: Task) =>
  task.artifacts
    .flatMap((a) => a.parts)
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('');

describe('the troupe as an A2A agent', () => {
  it('serves its agent card: skills are the workflows, v1.0 and v0.3 shapes', async () => {
    const v1 = (await (
      await fetch(`${troupe.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })
    ).json()) as {
      skills: Array<{ id: string }>;
      supportedInterfaces: unknown[];
      securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: string } } };
    };
    expect(v1.skills.map((s: { id: string }) => s.id)).toEqual(['ask', 'report', 'gated']);
    expect(v1.supportedInterfaces).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          url: `${troupe.url}/a2a`,
          protocolBinding: 'JSONRPC',
          protocolVersion: '1.0',
        }),
      ]),
    );
    expect(v1.securitySchemes.bearer.httpAuthSecurityScheme.scheme).toBe('Bearer');
    const v03 = (await (await fetch(`${troupe.url}/.well-known/agent-card.json`)).json()) as {
      securitySchemes: { bearer: unknown };
    };
    expect(v03).toMatchObject({
      protocolVersion: '0.3.0',
      url: `${troupe.url}/a2a`,
      preferredTransport: 'JSONRPC',
    });
    expect(v03.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('official client: a text message runs the named workflow and returns the finished task', async () => {
    const client = await a2aClient(KEYS.acmeWriter);
    const result = await client.sendMessage(request('What is a tide?', { workflow: 'ask' }));
    expect('status' in result).toBe(true);
    const task = result as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(task)).toContain('The answer to: What is a tide?');
    expect(task.history[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'What is a tide?' });
    // It is a Troupe task like any other.
    const same = await createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeReader }).get(task.id);
    expect(same.workflow).toBe('ask');
    expect(same.metadata['a2a.contextId']).toBe(task.contextId);
    const fetched = await client.getTask({ tenant: '', id: task.id });
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('official client: without a workflow it writes a report; returnImmediately gives the task at once', async () => {
    const client = await a2aClient(KEYS.acmeWriter);
    const quick = (await client.sendMessage(
      request('Why is the sea salty?', { returnImmediately: true }),
    )) as Task;
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(quick.status?.state);
    await createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeReader }).wait(quick.id, {
      timeoutMs: 30_000,
    });
    const done = await client.getTask({ tenant: '', id: quick.id });
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(done)).toContain('# A report');
  });

  it('official client: streams the task, its status updates and its result', async () => {
    const client = await a2aClient(KEYS.acmeWriter);
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(request('Stream it', { workflow: 'ask' })))
      events.push(event);
    expect(events[0]?.payload?.$case).toBe('task');
    const kinds = events.map((e) => e.payload?.$case);
    expect(kinds).toContain('artifactUpdate');
    const last = events.at(-1)!.payload;
    expect(last?.$case).toBe('statusUpdate');
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('official client: cancels a task', async () => {
    const client = await a2aClient(KEYS.acmeWriter);
    const started = (await client.sendMessage(
      request('Never mind', { workflow: 'gated', returnImmediately: true }),
    )) as Task;
    const cancelled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(client.cancelTask({ tenant: '', id: started.id, metadata: undefined })).rejects.toThrow(
      /already cancelled/,
    );
    await expect(client.getTask({ tenant: '', id: 't0000000000000000000' })).rejects.toThrow(/No task/);
  });

  it('a task waiting for review is input-required; a reply in the task decides it', async () => {
    const troupeClient = createClient({ baseUrl: troupe.url, apiKey: KEYS.acmeWriter });
    const { id } = await troupeClient.submit(
      'report',
      { question: 'Review me' },
      { options: { reviewThreshold: 0.95 } },
    );
    for await (const { event } of troupeClient.events(id)) if (event.type === 'review.requested') break;
    const reviewer = await a2aClient(KEYS.acmeReviewer);
    expect((await reviewer.getTask({ tenant: '', id })).status?.state).toBe(
      TaskState.TASK_STATE_INPUT_REQUIRED,
    );
    const writer = await a2aClient(KEYS.acmeWriter);
    await expect(writer.sendMessage(request('approve', { taskId: id }))).rejects.toThrow(/review/);
    const decided = (await reviewer.sendMessage(request('approve', { taskId: id }))) as Task;
    expect(decided.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('errors: unknown workflow is invalid params; a read-only key may read but not send; no key is 401', async () => {
    const client = await a2aClient(KEYS.acmeWriter);
    await expect(client.sendMessage(request('q', { workflow: 'nope' }))).rejects.toThrow(
      /no workflow "nope"/,
    );
    const reader = await a2aClient(KEYS.acmeReader);
    await expect(reader.sendMessage(request('q', { workflow: 'ask' }))).rejects.toThrow(/403|tasks:write/);
    const anonymous = await fetch(`${troupe.url}/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('speaks v0.3 JSON-RPC too: message/send then tasks/get', async () => {
    const rpc = async (method: string, params: unknown) => {
      const res = await fetch(`${troupe.url}/a2a`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acmeWriter}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        result?: Record<string, unknown>;
        error?: { code: number; message: string };
      };
    };
    const sent = await rpc('message/send', {
      message: {
        kind: 'message',
        role: 'user',
        messageId: randomUUID(),
        parts: [{ kind: 'text', text: 'Old protocol?' }],
        metadata: { workflow: 'ask' },
      },
      configuration: { blocking: true },
    });
    expect(sent.error).toBeUndefined();
    expect(sent.result).toMatchObject({ kind: 'task', status: { state: 'completed' } });
    const got = await rpc('tasks/get', { id: sent.result!['id'] });
    expect(got.result).toMatchObject({ id: sent.result!['id'], status: { state: 'completed' } });
    const missing = await rpc('tasks/get', { id: 't0000000000000000000' });
    expect(missing.error?.code).toBe(-32001);
  });
});
