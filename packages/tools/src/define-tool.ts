import { z } from 'zod';
import { ToolError, ToolsErrorCode } from './errors.js';
import { parseOptions } from './options.js';
import type { Tool, ToolContext } from './tool.js';

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

export interface ToolDefinition<TSchema extends z.ZodType, TOutput> {
  /** `^[a-zA-Z0-9_-]{1,64}$`, the set every model provider accepts. */
  name: string;
  /** What the tool does and when to use it; the model reads this. */
  description: string;
  /** The arguments; must describe a JSON object (`z.object(...)`, `z.record(...)`). */
  input: TSchema;
  run(input: z.output<TSchema>, ctx: ToolContext): Promise<TOutput> | TOutput;
  /** Per-call time limit, unless the caller sets its own. Default 30 s. */
  timeoutMs?: number;
  /** A JSON Schema to hand the model instead of the one derived from `input` (an MCP server's own schema). */
  parameters?: Record<string, unknown>;
}

const definitionSchema = z.object({
  name: z
    .string()
    .regex(TOOL_NAME_PATTERN, 'must match ^[a-zA-Z0-9_-]{1,64}$ (letters, digits, "_" and "-", at most 64)'),
  description: z.string().trim().min(1, 'must describe what the tool does'),
  input: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'must be a zod schema'),
  run: z.custom<(...args: unknown[]) => unknown>((v) => typeof v === 'function', 'must be a function'),
  timeoutMs: z.number().int().positive().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** Builds a `Tool` from a zod schema and a function; the JSON Schema the model sees comes from `z.toJSONSchema`. */
export function defineTool<TSchema extends z.ZodType, TOutput>(
  definition: ToolDefinition<TSchema, TOutput>,
): Tool<z.output<TSchema>, TOutput> {
  const where = `defineTool(${typeof definition?.name === 'string' ? JSON.stringify(definition.name) : '?'})`;
  const def = parseOptions(definitionSchema, definition, where);
  const parameters = def.parameters ?? toParameters(definition.input, where);
  if (parameters['type'] !== 'object') {
    throw new ToolError(
      ToolsErrorCode.InvalidOptions,
      `${where}: option "input" must describe a JSON object (use z.object(...)); model providers only take object arguments`,
    );
  }
  const run = definition.run;
  return Object.freeze({
    name: def.name,
    description: def.description,
    input: definition.input as z.ZodType<z.output<TSchema>>,
    parameters,
    timeoutMs: def.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    run: async (input: z.output<TSchema>, ctx: ToolContext) => run(input, ctx),
  });
}

function toParameters(schema: z.ZodType, where: string): Record<string, unknown> {
  try {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    return rest;
  } catch (err) {
    throw new ToolError(
      ToolsErrorCode.InvalidOptions,
      `${where}: option "input" cannot be expressed as JSON Schema`,
      {
        cause: err,
      },
    );
  }
}
