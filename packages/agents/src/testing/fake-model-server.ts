import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the OpenAI chat-completions and the Anthropic messages wire formats
 * (JSON and server-sent events), answering from a scripted queue per API. Tests point the real SDK clients
 * at it: `baseURL: server.openaiBaseURL` (with `/v1`) or `baseURL: server.anthropicBaseURL` (without).
 */

export const FakeApi = {
  OpenAI: 'openai',
  Anthropic: 'anthropic',
} as const;
export type FakeApi = (typeof FakeApi)[keyof typeof FakeApi];

const PATHS: Record<FakeApi, string> = {
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages',
};

export interface FakeToolCall {
  id?: string;
  name: string;
  arguments: unknown;
}

/** An HTTP error. `retry-after-ms: 1` is sent unless `headers` says otherwise, so SDK retries wait 1 ms, not seconds
 * (the Anthropic SDK treats 0 as "no hint" and backs off by its default). */
export interface FakeErrorReply {
  status: number;
  message?: string;
  headers?: Record<string, string>;
}

/** A successful answer: text, tool calls, or both. */
export interface FakeAnswerReply {
  text?: string;
  toolCalls?: FakeToolCall[];
  usage?: { inputTokens: number; outputTokens: number };
  /** Defaults to the model the request named. */
  model?: string;
  /** Defaults to tool calls when there are any, else a normal stop. */
  finishReason?: 'stop' | 'tool_calls' | 'length';
}

/** Never answer; the request ends when the client gives up (abort or timeout). */
export interface FakeHangReply {
  hang: true;
}

export type FakeReply = FakeErrorReply | FakeAnswerReply | FakeHangReply;
export type FakeScriptEntry = FakeReply | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

export interface FakeModelScript {
  openai?: FakeScriptEntry[];
  anthropic?: FakeScriptEntry[];
  /** Answers when a queue is empty; by default a 500 that tells the SDK not to retry. */
  fallback?: FakeScriptEntry;
  /** When set, requests must carry this key (`Authorization: Bearer` or `x-api-key`), else 401. */
  apiKey?: string;
}

export interface RecordedRequest {
  api: FakeApi;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  stream: boolean;
}

export interface FakeModelServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** For the `openai` SDK: `url` + `/v1`. */
  readonly openaiBaseURL: string;
  /** For `@anthropic-ai/sdk`: `url` (the SDK adds `/v1`). */
  readonly anthropicBaseURL: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  enqueue(api: FakeApi, ...entries: FakeScriptEntry[]): void;
  /** How many scripted entries are still queued for an API. */
  pending(api: FakeApi): number;
  close(): Promise<void>;
}

export async function startFakeModelServer(script: FakeModelScript = {}): Promise<FakeModelServer> {
  const queues: Record<FakeApi, FakeScriptEntry[]> = {
    openai: [...(script.openai ?? [])],
    anthropic: [...(script.anthropic ?? [])],
  };
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
      }
      res.end(JSON.stringify({ error: { message: `fake model server failed: ${String(err)}` } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const api = (Object.keys(PATHS) as FakeApi[]).find((a) => PATHS[a] === path);
    const raw = await readBody(req);
    if (!api || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `fake model server: no route for ${req.method} ${path}` } }),
      );
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendError(res, api, { status: 400, message: 'request body is not JSON' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const recorded: RecordedRequest = {
      api,
      path,
      method: req.method,
      headers,
      body,
      stream: body['stream'] === true,
    };
    requests.push(recorded);

    const key = headers['x-api-key'] ?? headers['authorization']?.replace(/^Bearer\s+/i, '');
    if (!key || (script.apiKey !== undefined && key !== script.apiKey)) {
      sendError(res, api, {
        status: 401,
        message: 'invalid api key',
        headers: { 'x-should-retry': 'false' },
      });
      return;
    }

    const entry = queues[api].shift() ?? script.fallback;
    const reply: FakeReply = entry
      ? typeof entry === 'function'
        ? await entry(recorded)
        : entry
      : {
          status: 500,
          message: `fake model server: no scripted response left for ${api} (${path})`,
          headers: { 'x-should-retry': 'false' },
        };
    if ('hang' in reply) return; // the client's abort or timeout closes the socket
    if ('status' in reply) {
      sendError(res, api, reply);
      return;
    }
    counter += 1;
    const answer = normalise(reply, recorded, counter);
    if (api === 'openai') writeOpenAI(res, answer, recorded);
    else writeAnthropic(res, answer, recorded);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    enqueue(api, ...entries) {
      queues[api].push(...entries);
    },
    pending: (api) => queues[api].length,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Answer {
  text: string;
  toolCalls: { id: string; name: string; arguments: unknown }[];
  usage: { inputTokens: number; outputTokens: number };
  model: string;
  finishReason: 'stop' | 'tool_calls' | 'length';
  id: string;
}

function normalise(reply: FakeAnswerReply, req: RecordedRequest, n: number): Answer {
  const prefix = req.api === 'openai' ? 'call_fake_' : 'toolu_fake_';
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `${prefix}${n}_${i}`,
    name: c.name,
    arguments: c.arguments,
  }));
  const text = reply.text ?? '';
  const roughTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));
  return {
    text,
    toolCalls,
    usage: reply.usage ?? {
      inputTokens: roughTokens(JSON.stringify(req.body['messages'] ?? '')),
      outputTokens: roughTokens(text + JSON.stringify(toolCalls)),
    },
    model: reply.model ?? (typeof req.body['model'] === 'string' ? req.body['model'] : 'fake-model'),
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    id: `${req.api === 'openai' ? 'chatcmpl' : 'msg'}_fake_${n}`,
  };
}

function sendError(res: ServerResponse, api: FakeApi, reply: FakeErrorReply): void {
  const message = reply.message ?? `scripted ${reply.status}`;
  const errorType =
    reply.status === 429
      ? 'rate_limit_error'
      : reply.status === 401
        ? 'authentication_error'
        : reply.status >= 500
          ? api === 'openai'
            ? 'server_error'
            : 'api_error'
          : 'invalid_request_error';
  const body =
    api === 'openai'
      ? { error: { message, type: errorType, param: null, code: null } }
      : { type: 'error', error: { type: errorType, message } };
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'retry-after-ms': '1',
    ...reply.headers,
  });
  res.end(JSON.stringify(body));
}

/** Split text into small pieces so a streaming client sees several deltas. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function argsText(args: unknown): string {
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

function sse(res: ServerResponse, events: { event?: string; data: unknown }[]): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const e of events) {
    res.write(
      `${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`,
    );
  }
  res.end();
}

function writeOpenAI(res: ServerResponse, a: Answer, req: RecordedRequest): void {
  const usage = {
    prompt_tokens: a.usage.inputTokens,
    completion_tokens: a.usage.outputTokens,
    total_tokens: a.usage.inputTokens + a.usage.outputTokens,
  };
  if (!req.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: a.id,
        object: 'chat.completion',
        created: 0,
        model: a.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: a.text.length > 0 ? a.text : null,
              refusal: null,
              ...(a.toolCalls.length > 0
                ? {
                    tool_calls: a.toolCalls.map((c) => ({
                      id: c.id,
                      type: 'function',
                      function: { name: c.name, arguments: argsText(c.arguments) },
                    })),
                  }
                : {}),
            },
            logprobs: null,
            finish_reason: a.finishReason,
          },
        ],
        usage,
      }),
    );
    return;
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: {
      id: a.id,
      object: 'chat.completion.chunk',
      created: 0,
      model: a.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    },
  });
  const events: { data: unknown }[] = [chunk({ role: 'assistant', content: '' })];
  for (const p of pieces(a.text)) events.push(chunk({ content: p }));
  a.toolCalls.forEach((c, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }],
      }),
    );
    const args = argsText(c.arguments);
    for (let i = 0; i < args.length; i += 8) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 8) } }] }));
    }
  });
  events.push(chunk({}, a.finishReason));
  const streamOptions = req.body['stream_options'] as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) {
    events.push({
      data: { id: a.id, object: 'chat.completion.chunk', created: 0, model: a.model, choices: [], usage },
    });
  }
  events.push({ data: '[DONE]' });
  sse(res, events);
}

function writeAnthropic(res: ServerResponse, a: Answer, req: RecordedRequest): void {
  const stopReason =
    a.finishReason === 'tool_calls' ? 'tool_use' : a.finishReason === 'length' ? 'max_tokens' : 'end_turn';
  const usage = {
    input_tokens: a.usage.inputTokens,
    output_tokens: a.usage.outputTokens,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
  };
  const toolInput = (args: unknown) =>
    args && typeof args === 'object' && !Array.isArray(args) ? args : { input: args };
  if (!req.stream) {
    const content: unknown[] = [];
    if (a.text.length > 0) content.push({ type: 'text', text: a.text, citations: null });
    for (const c of a.toolCalls)
      content.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c.arguments) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: a.id,
        type: 'message',
        role: 'assistant',
        model: a.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      }),
    );
    return;
  }
  const events: { event: string; data: unknown }[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: a.id,
          type: 'message',
          role: 'assistant',
          model: a.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    },
  ];
  let index = 0;
  if (a.text.length > 0) {
    events.push({
      event: 'content_block_start',
      data: {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '', citations: null },
      },
    });
    for (const p of pieces(a.text)) {
      events.push({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } },
      });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
    index += 1;
  }
  for (const c of a.toolCalls) {
    events.push({
      event: 'content_block_start',
      data: {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
      },
    });
    const args = JSON.stringify(toolInput(c.arguments));
    for (let i = 0; i < args.length; i += 8) {
      events.push({
        event: 'content_block_delta',
        data: {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: args.slice(i, i + 8) },
        },
      });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
    index += 1;
  }
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  sse(res, events);
}
