import { countTokens as countGptTokens, decode, encode } from 'gpt-tokenizer';
import type { ChatMessage, ToolSpec } from './chat.js';

// Special-token strings such as `<|endoftext|>` are counted as plain text: they may appear in untrusted input.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens in a text, by the o200k encoding (close enough for every provider when sizing a context window). */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : countGptTokens(text, PLAIN_TEXT);
}

/** The first `maxTokens` tokens of a text. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
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
