import type { z } from 'zod';

/** What a tool's `run` receives besides its arguments. */
export interface ToolContext {
  signal: AbortSignal;
  /** The task this call belongs to, for audit and cache keys. */
  taskId?: string;
}

export interface Tool<TInput = unknown, TOutput = unknown> {
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType<TInput>;
  /** JSON Schema of the input, as the model providers want it. */
  readonly parameters: Record<string, unknown>;
  readonly timeoutMs: number;
  run(input: TInput, ctx: ToolContext): Promise<TOutput>;
}

/** The JSON-Schema description of a tool, as handed to a model provider. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** The outcome of one tool call; an error is a value here, because it goes back to the model as the tool's result. */
export type ToolCallOutcome =
  | { ok: true; name: string; value: unknown; durationMs: number }
  | { ok: false; name: string; error: { code: ToolErrorCode; message: string }; durationMs: number };

export const ToolErrorCode = {
  UnknownTool: 'UNKNOWN_TOOL',
  InvalidArguments: 'INVALID_ARGUMENTS',
  Timeout: 'TIMEOUT',
  Failed: 'FAILED',
  Aborted: 'ABORTED',
  Forbidden: 'FORBIDDEN',
} as const;
export type ToolErrorCode = (typeof ToolErrorCode)[keyof typeof ToolErrorCode];
