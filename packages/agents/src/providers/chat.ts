import type { ToolSpec } from '@troupe/tools';

/*
 * The provider-neutral chat vocabulary: what an agent sends to a model and what comes back.
 * Every provider (OpenAI, Anthropic, offline) maps this to its own wire format and back.
 */

export type { ToolSpec };

export interface ToolCall {
  /** The provider's id for this call; the tool result refers back to it. */
  id: string;
  name: string;
  /** The parsed JSON arguments; the raw text when the model produced invalid JSON. */
  arguments: unknown;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

export interface ResponseSchema {
  /** A name for the schema; Troupe uses the role name, which the offline provider reads. */
  name: string;
  /** JSON Schema of the expected JSON answer. */
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  maxOutputTokens?: number;
  temperature?: number;
  responseSchema?: ResponseSchema;
  signal?: AbortSignal;
  /** When given, the provider streams and calls this with each piece of text as it arrives. */
  onDelta?: (text: string) => void;
}

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
}

export const FinishReason = {
  Stop: 'stop',
  ToolCalls: 'tool_calls',
  Length: 'length',
  ContentFilter: 'content_filter',
  Other: 'other',
} as const;
export type FinishReason = (typeof FinishReason)[keyof typeof FinishReason];

export interface ChatResponse {
  content: string;
  toolCalls: ToolCall[];
  usage: ChatUsage;
  /** The model that answered, as the provider reports it. */
  model: string;
  provider: string;
  finishReason: FinishReason;
}

export interface ModelProvider {
  readonly name: string;
  chat(req: ChatRequest): Promise<ChatResponse>;
}
