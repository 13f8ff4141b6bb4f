import { z } from 'zod';
import { AgentError, AgentErrorCode } from '../execution/agent-error.js';
import { parseModelRef } from '../providers/model-ref.js';

/** What an agent of a role does: its instructions, the tools it may call, and the shape of its answer. */
export interface Role<TOutput = unknown, TInput = unknown> {
  readonly name: string;
  readonly description: string;
  /** The system prompt; the JSON Schema of `output` is appended when the step runs. */
  readonly instructions: string;
  readonly output: z.ZodType<TOutput>;
  /** JSON Schema of `output`, shown to the model and sent as the response schema. */
  readonly outputJsonSchema: Record<string, unknown>;
  /** Validates the step input when given; lenient schemas (`z.looseObject`) let supervisors add fields. */
  readonly input?: z.ZodType<TInput>;
  /** Names of the tools an agent of this role gets. */
  readonly tools: readonly string[];
  /** `provider:model`, used when `TROUPE_MODEL` is not set and that provider is configured. */
  readonly defaultModel?: string;
  /**
   * What the offline model answers for this role: a deterministic stand-in for a model, so the role runs
   * without a key (tests, demos, CI). It gets the step input and returns the output, which is validated
   * against `output` like a model's answer. Without it the offline model fills the output schema generically.
   */
  offline?(input: TInput): TOutput;
}

export type inferRoleOutput<TRole> = TRole extends Role<infer TOutput, unknown> ? TOutput : never;
export type inferRoleInput<TRole> = TRole extends Role<unknown, infer TInput> ? TInput : never;

export interface RoleDefinition<TOutput, TInput = unknown> {
  name: string;
  description: string;
  instructions: string;
  output: z.ZodType<TOutput>;
  input?: z.ZodType<TInput>;
  tools?: readonly string[];
  defaultModel?: string;
  /** What the offline model answers for this role (see `Role.offline`). */
  offline?(input: TInput): TOutput;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function invalid(message: string): AgentError {
  return new AgentError(AgentErrorCode.InvalidOptions, message, { retryable: false });
}

/** Define a role (the built-ins use this too). Throws an `INVALID_OPTIONS` AgentError naming the field at fault. */
export function defineRole<TOutput, TInput = unknown>(
  def: RoleDefinition<TOutput, TInput>,
): Role<TOutput, TInput> {
  if (typeof def.name !== 'string' || !NAME.test(def.name)) {
    throw invalid(`defineRole: "name" must match ${NAME.source}, got ${JSON.stringify(def.name)}`);
  }
  const where = `defineRole(${def.name})`;
  if (typeof def.description !== 'string' || def.description.trim() === '') {
    throw invalid(`${where}: "description" must be a non-empty string`);
  }
  if (typeof def.instructions !== 'string' || def.instructions.trim() === '') {
    throw invalid(`${where}: "instructions" must be a non-empty string`);
  }
  if (!(def.output instanceof z.ZodType)) throw invalid(`${where}: "output" must be a zod schema`);
  if (def.input !== undefined && !(def.input instanceof z.ZodType)) {
    throw invalid(`${where}: "input" must be a zod schema`);
  }
  let outputJsonSchema: Record<string, unknown>;
  try {
    outputJsonSchema = z.toJSONSchema(def.output, { io: 'output', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw new AgentError(
      AgentErrorCode.InvalidOptions,
      `${where}: "output" cannot be described as JSON Schema`,
      {
        cause: err,
        retryable: false,
      },
    );
  }
  if (outputJsonSchema['type'] !== 'object') {
    throw invalid(`${where}: "output" must be an object schema (the model answers with one JSON object)`);
  }
  delete outputJsonSchema['$schema'];
  const tools = def.tools ?? [];
  tools.forEach((t, i) => {
    if (typeof t !== 'string' || !TOOL_NAME.test(t)) {
      throw invalid(`${where}: "tools.${i}" is not a valid tool name: ${JSON.stringify(t)}`);
    }
  });
  if (def.defaultModel !== undefined) parseModelRef(def.defaultModel, `${where}: "defaultModel"`);
  if (def.offline !== undefined && typeof def.offline !== 'function') {
    throw invalid(`${where}: "offline" must be a function of the step input`);
  }
  const offline = def.offline;
  return Object.freeze({
    name: def.name,
    description: def.description.trim(),
    instructions: def.instructions.trim(),
    output: def.output,
    outputJsonSchema,
    ...(def.input ? { input: def.input } : {}),
    tools: Object.freeze([...new Set(tools)]),
    ...(def.defaultModel ? { defaultModel: def.defaultModel } : {}),
    ...(offline ? { offline: (input: TInput) => offline(input) } : {}),
  });
}
