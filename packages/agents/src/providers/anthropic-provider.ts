import type Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsBase,
  MessageParam,
  Tool as AnthropicTool,
} from '@anthropic-ai/sdk/resources/messages';
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
import { lazily } from './lazily.js';
import { parseOptions, sdkProviderOptionFields, parseToolArguments } from './options.js';

const AnthropicProviderOptionsSchema = z.object({
  ...sdkProviderOptionFields,
  /** The messages API requires `max_tokens`; used when a request gives no `maxOutputTokens`. */
  defaultMaxOutputTokens: z.number().int().positive().default(4096),
  /**
   * Ask for schema-constrained output (`output_config.format`) when a request carries a `responseSchema`.
   * Off by default: not every model supports it, and the agent validates and repairs the JSON anyway.
   */
  structuredOutput: z.boolean().default(false),
});
export type AnthropicProviderOptions = z.input<typeof AnthropicProviderOptionsSchema> & { env?: ModelEnv };

/** A provider for the Anthropic messages API. */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProvider {
  const opts = parseOptions(AnthropicProviderOptionsSchema, options, 'createAnthropicProvider');
  const env = opts.env ?? process.env;
  const apiKey = opts.apiKey ?? env['ANTHROPIC_API_KEY'];
  const authToken = apiKey ? undefined : env['ANTHROPIC_AUTH_TOKEN'];
  if (!apiKey && !authToken) {
    throw new ModelError(
      ModelErrorCode.InvalidOptions,
      'createAnthropicProvider: option "apiKey" is required (or set ANTHROPIC_API_KEY)',
      { details: { option: 'apiKey' } },
    );
  }
  const baseURL = opts.baseURL ?? env['ANTHROPIC_BASE_URL'];
  const sdk = lazily(async () => {
    const { default: AnthropicSdk } = await import('@anthropic-ai/sdk');
    return new AnthropicSdk({
      ...(apiKey ? { apiKey } : { apiKey: null, authToken: authToken ?? null }),
      ...(baseURL ? { baseURL: baseURL.replace(/\/+$/, '') } : {}),
      maxRetries: opts.maxRetries,
      timeout: opts.timeoutMs,
      ...(opts.defaultHeaders ? { defaultHeaders: opts.defaultHeaders } : {}),
    });
  });

  const buildParams = (req: ChatRequest): MessageCreateParamsBase => {
    const system = req.messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    const params: MessageCreateParamsBase = {
      model: req.model,
      max_tokens: req.maxOutputTokens ?? opts.defaultMaxOutputTokens,
      messages: toAnthropicMessages(req.messages),
    };
    if (system) params.system = system;
    // `temperature` is not part of this SDK's messages API any more; it is ignored here.
    if (req.tools && req.tools.length > 0) {
      params.tools = req.tools.map((t): AnthropicTool => ({
        name: t.name,
        description: t.description,
        input_schema: { ...t.parameters, type: 'object' },
      }));
    }
    if (req.responseSchema && opts.structuredOutput) {
      params.output_config = { format: { type: 'json_schema', schema: req.responseSchema.schema } };
    }
    return params;
  };

  return {
    name: 'anthropic',
    async chat(req) {
      try {
        const params = buildParams(req);
        const requestOptions = req.signal ? { signal: req.signal } : undefined;
        const anthropic = await sdk();
        if (req.onDelta) return await streamChat(anthropic, params, req);
        const message = await anthropic.messages.create({ ...params, stream: false }, requestOptions);
        return fromMessage(message, req);
      } catch (err) {
        throw toModelError(err, { provider: 'anthropic', model: req.model, signal: req.signal });
      }
    },
  };
}

/**
 * Anthropic wants alternating user/assistant turns with tool results as `tool_result` blocks inside a user turn,
 * so consecutive tool and user messages fold into one user turn.
 */
function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const out: { role: 'user' | 'assistant'; blocks: ContentBlockParam[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    const last = out[out.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else out.push({ role, blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        break;
      case 'user':
        push('user', [{ type: 'text', text: m.content }]);
        break;
      case 'assistant': {
        const blocks: ContentBlockParam[] = [];
        if (m.content.length > 0) blocks.push({ type: 'text', text: m.content });
        for (const c of m.toolCalls ?? []) {
          blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c.arguments) });
        }
        if (blocks.length === 0) blocks.push({ type: 'text', text: '(no content)' });
        push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: m.toolCallId,
            content: m.content,
            ...(m.isError ? { is_error: true } : {}),
          },
        ]);
        break;
    }
  }
  // Tool results must come first in their user turn.
  for (const turn of out) {
    if (turn.role === 'user') {
      turn.blocks.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
    }
  }
  return out.map((t) => ({ role: t.role, content: t.blocks }));
}

function toolInput(args: unknown): Record<string, unknown> {
  if (args && typeof args === 'object' && !Array.isArray(args)) return args as Record<string, unknown>;
  return { input: args };
}

function finishReason(reason: string | null | undefined, toolCalls: number): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return toolCalls > 0 ? FinishReason.ToolCalls : FinishReason.Stop;
    case 'tool_use':
      return FinishReason.ToolCalls;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return FinishReason.Length;
    case 'refusal':
      return FinishReason.ContentFilter;
    default:
      return toolCalls > 0 ? FinishReason.ToolCalls : FinishReason.Other;
  }
}

function fromMessage(message: Message, req: ChatRequest): ChatResponse {
  let content = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') content += block.text;
    else if (block.type === 'tool_use')
      toolCalls.push({ id: block.id, name: block.name, arguments: block.input });
  }
  return {
    content,
    toolCalls,
    usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
    model: message.model || req.model,
    provider: 'anthropic',
    finishReason: finishReason(message.stop_reason, toolCalls.length),
  };
}

async function streamChat(
  client: Anthropic,
  params: MessageCreateParamsBase,
  req: ChatRequest,
): Promise<ChatResponse> {
  const stream = await client.messages.create(
    { ...params, stream: true },
    req.signal ? { signal: req.signal } : undefined,
  );
  let content = '';
  let model = req.model;
  let reason: string | null = null;
  let inputTokens = 0;
  let outputTokens = 0;
  const blocks = new Map<
    number,
    { kind: 'text' } | { kind: 'tool'; id: string; name: string; json: string }
  >();
  for await (const event of stream) {
    switch (event.type) {
      case 'message_start':
        model = event.message.model || model;
        inputTokens = event.message.usage.input_tokens;
        outputTokens = event.message.usage.output_tokens;
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          blocks.set(event.index, {
            kind: 'tool',
            id: event.content_block.id,
            name: event.content_block.name,
            json: '',
          });
        } else if (event.content_block.type === 'text') {
          blocks.set(event.index, { kind: 'text' });
          if (event.content_block.text) {
            content += event.content_block.text;
            req.onDelta?.(event.content_block.text);
          }
        }
        break;
      case 'content_block_delta': {
        const block = blocks.get(event.index);
        if (event.delta.type === 'text_delta') {
          content += event.delta.text;
          req.onDelta?.(event.delta.text);
        } else if (event.delta.type === 'input_json_delta' && block?.kind === 'tool') {
          block.json += event.delta.partial_json;
        }
        break;
      }
      case 'message_delta':
        reason = event.delta.stop_reason ?? reason;
        if (typeof event.usage.output_tokens === 'number') outputTokens = event.usage.output_tokens;
        if (typeof event.usage.input_tokens === 'number' && event.usage.input_tokens > 0) {
          inputTokens = event.usage.input_tokens;
        }
        break;
      default:
        break;
    }
  }
  const toolCalls: ToolCall[] = [];
  for (const [, block] of [...blocks.entries()].sort((a, b) => a[0] - b[0])) {
    if (block.kind === 'tool')
      toolCalls.push({ id: block.id, name: block.name, arguments: parseToolArguments(block.json) });
  }
  return {
    content,
    toolCalls,
    usage: { inputTokens, outputTokens },
    model,
    provider: 'anthropic',
    finishReason: finishReason(reason, toolCalls.length),
  };
}
