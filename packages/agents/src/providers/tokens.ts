import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { ChatMessage, ToolSpec } from './chat.js';

// Special-token strings such as `<|endoftext|>` are counted as plain text: they may appear in untrusted input.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

type Tokenizer = typeof GptTokenizer;
let tokenizer: Tokenizer | undefined;
/**
 * The o200k tables take about 20 MB of heap, which every major garbage collection then walks: they are
 * loaded on the first exact count, which an agent whose prompts fit their window by bytes never makes.
 */
const load = (): Tokenizer => (tokenizer ??= createRequire(import.meta.url)('gpt-tokenizer') as Tokenizer);

/** Tokens in a text, by the o200k encoding (close enough for every provider when sizing a context window). */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : load().countTokens(text, PLAIN_TEXT);
}

/** The first `maxTokens` tokens of a text. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  const { encode, decode } = load();
  const tokens = encode(text, PLAIN_TEXT);
  return tokens.length <= maxTokens ? text : decode(tokens.slice(0, maxTokens));
}

/** Per-message framing overhead, as the OpenAI chat format charges it. */
const MESSAGE_OVERHEAD = 4;

export function countMessageTokens(message: ChatMessage): number {
  let n = MESSAGE_OVERHEAD + countTokens(message.content);
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls)
      n += countTokens(call.name) + countTokens(JSON.stringify(call.arguments));
  }
  if (message.role === 'tool') n += countTokens(message.name);
  return n;
}

export function countChatTokens(messages: readonly ChatMessage[], tools: readonly ToolSpec[] = []): number {
  let n = 3;
  for (const m of messages) n += countMessageTokens(m);
  if (tools.length > 0) n += countTokens(JSON.stringify(tools));
  return n;
}

/**
 * About four bytes of UTF-8 per token: what a model with no tokenizer of its own reports as usage (the
 * offline model). A real provider returns its counts; exact counting here would cost more than the model.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

export function estimateChatTokens(
  messages: readonly ChatMessage[],
  tools: readonly ToolSpec[] = [],
): number {
  let n = 3;
  for (const m of messages) {
    n += MESSAGE_OVERHEAD + estimateTokens(m.content);
    if (m.role === 'assistant' && m.toolCalls) n += estimateTokens(JSON.stringify(m.toolCalls));
    if (m.role === 'tool') n += estimateTokens(m.name);
  }
  return tools.length > 0 ? n + estimateTokens(JSON.stringify(tools)) : n;
}
