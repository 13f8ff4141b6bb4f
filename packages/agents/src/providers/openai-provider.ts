import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import {
  FinishReason,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ModelProvider,
  type ToolCall,
} from './chat.js';
import { ModelError, ModelErrorCode, toModelError } from './model-error.js';
import type { ModelEnv } from './model-ref.js';
import {
  parseOptions,
  sdkProviderOptionFields,
  parseToolArguments,
  stringifyToolArguments,
} from './options.js';
import { lazily } from './lazily.js';
import { countChatTokens, countTokens } from './tokens.js';

const OFFICIAL_BASE_URL = 'https://api.openai.com/v1';

const OpenAIProviderOptionsSchema = z.object({
  ...sdkProviderOptionFields,
  /** `max_completion_tokens` for api.openai.com, `max_tokens` (understood by Ollama, vLLM, llama.cpp) elsewhere. */
  maxTokensParam: z.enum(['max_completion_tokens', 'max_tokens']).optional(),
  /** How a `responseSchema` is requested; `none` for servers that reject `response_format`. */
  responseFormat: z.enum(['json_schema', 'json_object', 'none']).default('json_schema'),
});
export type OpenAIProviderOptions = z.input<typeof OpenAIProviderOptionsSchema> & { env?: ModelEnv };

/** A provider for the OpenAI chat-completions API and any server that speaks it (Ollama, vLLM, llama.cpp, LM Studio). */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): ModelProvider {
  const opts = parseOptions(OpenAIProviderOptionsSchema, options, 'createOpenAIProvider');
  const env = opts.env ?? process.env;
  const baseURL = (opts.baseURL ?? env['OPENAI_BASE_URL'] ?? OFFICIAL_BASE_URL).replace(/\/+$/, '');
  const official = baseURL === OFFICIAL_BASE_URL;
  let apiKey = opts.apiKey ?? env['OPENAI_API_KEY'];
  if (!apiKey) {
    if (official) {
      throw new ModelError(
        ModelErrorCode.InvalidOptions,
        'createOpenAIProvider: option "apiKey" is required (or set OPENAI_API_KEY)',
        { details: { option: 'apiKey' } },
      );
    }
    apiKey = 'not-needed'; // local OpenAI-compatible servers usually ignore the key, the SDK insists on one
  }
  const maxTokensParam = opts.maxTokensParam ?? (official ? 'max_completion_tokens' : 'max_tokens');
  const sdk = lazily(async () => {
    const { default: OpenAISdk } = await import('openai');
    return new OpenAISdk({
      apiKey,
      baseURL,
      maxRetries: opts.maxRetries,
      timeout: opts.timeoutMs,
      ...(opts.defaultHeaders ? { defaultHeaders: opts.defaultHeaders } : {}),
    });
  });

  const buildParams = (req: ChatRequest): ChatCompletionCreateParamsBase => {
    const params: ChatCompletionCreateParamsBase = {
      model: req.model,
      messages: req.messages.map(toOpenAIMessage),
    };
    if (req.tools && req.tools.length > 0) {
      params.tools = req.tools.map((t): ChatCompletionTool => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
    }
    if (req.maxOutputTokens !== undefined) params[maxTokensParam] = req.maxOutputTokens;
    if (req.temperature !== undefined) params.temperature = req.temperature;
    if (req.responseSchema && opts.responseFormat === 'json_schema') {
      params.response_format = {
        type: 'json_schema',
        json_schema: {
          name: req.responseSchema.name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64),
          schema: req.responseSchema.schema,
          strict: false,
        },
      };
    } else if (req.responseSchema && opts.responseFormat === 'json_object') {
      params.response_format = { type: 'json_object' };
    }
    return params;
  };

  return {
    name: 'openai',
    async chat(req) {
      try {
        const params = buildParams(req);
        const openai = await sdk();
        if (req.onDelta) return await streamChat(openai, params, req);
        const completion = await openai.chat.completions.create(
          { ...params, stream: false },
          req.signal ? { signal: req.signal } : undefined,
        );
        return fromCompletion(completion, req);
      } catch (err) {
        throw toModelError(err, { provider: 'openai', model: req.model, signal: req.signal });
      }
    },
  };
}

function toOpenAIMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user':
      return { role: 'user', content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content.length > 0 ? m.content : null,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: stringifyToolArguments(c.arguments) },
              })),
            }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

function finishReason(reason: string | null | undefined, toolCalls: number): FinishReason {
  switch (reason) {
    case 'stop':
      return toolCalls > 0 ? FinishReason.ToolCalls : FinishReason.Stop;
    case 'tool_calls':
    case 'function_call':
      return FinishReason.ToolCalls;
    case 'length':
      return FinishReason.Length;
    case 'content_filter':
      return FinishReason.ContentFilter;
    default:
      return toolCalls > 0 ? FinishReason.ToolCalls : FinishReason.Other;
  }
}

function usageOf(
  usage: { prompt_tokens?: number; completion_tokens?: number } | null | undefined,
  req: ChatRequest,
  content: string,
  toolCalls: ToolCall[],
): ChatResponse['usage'] {
  // Some OpenAI-compatible servers send no usage; count it ourselves then.
  if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
    return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  }
  return {
    inputTokens: countChatTokens(req.messages, req.tools),
    outputTokens: countTokens(content) + toolCalls.reduce((n, c) => n + countTokens(JSON.stringify(c)), 0),
  };
}

function fromCompletion(completion: ChatCompletion, req: ChatRequest): ChatResponse {
  const choice = completion.choices[0];
  if (!choice) {
    throw new ModelError(ModelErrorCode.ServerError, 'openai answered with no choices', {
      provider: 'openai',
      model: req.model,
    });
  }
  const content = choice.message.content ?? '';
  const toolCalls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    toolCalls.push({
      id: call.id,
      name: call.function.name,
      arguments: parseToolArguments(call.function.arguments),
    });
  }
  return {
    content,
    toolCalls,
    usage: usageOf(completion.usage, req, content, toolCalls),
    model: completion.model || req.model,
    provider: 'openai',
    finishReason: finishReason(choice.finish_reason, toolCalls.length),
  };
}

async function streamChat(
  client: OpenAI,
  params: ChatCompletionCreateParamsBase,
  req: ChatRequest,
): Promise<ChatResponse> {
  const stream = await client.chat.completions.create(
    { ...params, stream: true, stream_options: { include_usage: true } },
    req.signal ? { signal: req.signal } : undefined,
  );
  let content = '';
  let model = req.model;
  let reason: string | null = null;
  let usage: ChatCompletionChunk['usage'] = null;
  // Tool calls arrive in pieces keyed by index: the first piece has id and name, later ones append arguments.
  const partial = new Map<number, { id: string; name: string; args: string }>();
  for await (const chunk of stream) {
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    const text = choice.delta?.content;
    if (text) {
      content += text;
      req.onDelta?.(text);
    }
    for (const d of choice.delta?.tool_calls ?? []) {
      const entry = partial.get(d.index) ?? { id: '', name: '', args: '' };
      if (d.id) entry.id = d.id;
      if (d.function?.name) entry.name += d.function.name;
      if (d.function?.arguments) entry.args += d.function.arguments;
      partial.set(d.index, entry);
    }
    if (choice.finish_reason) reason = choice.finish_reason;
  }
  const toolCalls: ToolCall[] = [...partial.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, c]) => ({
      id: c.id || `call_${index}`,
      name: c.name,
      arguments: parseToolArguments(c.args),
    }));
  return {
    content,
    toolCalls,
    usage: usageOf(usage, req, content, toolCalls),
    model,
    provider: 'openai',
    finishReason: finishReason(reason, toolCalls.length),
  };
}
