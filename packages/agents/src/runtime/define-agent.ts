import type { GuardrailsOptions, Tool } from '@troupe/tools';
import { z } from 'zod';
import { AgentError, AgentErrorCode } from '../execution/agent-error.js';
import { parseModelRef } from '../providers/model-ref.js';
import { builtinRoles } from '../roles/registry.js';
import type { Role } from '../roles/role.js';

export type McpServerConfig =
  | {
      name: string;
      transport: { type: 'stdio'; command: string; args?: string[]; env?: Record<string, string> };
    }
  | { name: string; transport: { type: 'http'; url: string; headers?: Record<string, string> } };

export interface AgentDefinition {
  /** A built-in role's name or a role made with `defineRole`. */
  role: Role | string;
  /** `provider:model`, or a comma-separated fallback chain; default: `TROUPE_MODEL`, else the first configured provider. */
  model?: string;
  /** Tools beyond the built-ins the role names. */
  tools?: readonly Tool[];
  /** MCP servers whose tools this role gets. */
  mcp?: readonly McpServerConfig[];
  /** Steps handled at once by one process. */
  concurrency?: number;
  /** Cache model and tool calls in NATS KV (`troupe_cache`); a hit costs nothing. */
  cache?: boolean;
  guardrails?: GuardrailsOptions;
  /** Model-and-tool rounds before the step gives up. */
  maxRounds?: number;
}

export interface Agent {
  readonly role: Role;
  readonly definition: AgentDefinition;
}

const DefinitionSchema = z.object({
  model: z.string().min(1).optional(),
  concurrency: z.number().int().min(1).max(1024).optional(),
  cache: z.boolean().optional(),
  maxRounds: z.number().int().min(1).max(50).optional(),
});

/** Describes one agent role as this process will run it; checked here, so mistakes show before any work. */
export function defineAgent(definition: AgentDefinition): Agent {
  const role =
    typeof definition.role === 'string'
      ? (builtinRoles as Readonly<Record<string, Role>>)[definition.role]
      : definition.role;
  if (!role) {
    throw new AgentError(
      AgentErrorCode.InvalidOptions,
      `defineAgent: "role" ${JSON.stringify(definition.role)} is not a built-in role (${Object.keys(builtinRoles).join(', ')}); define it with defineRole()`,
      { retryable: false },
    );
  }
  const parsed = DefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AgentError(
      AgentErrorCode.InvalidOptions,
      `defineAgent(${role.name}): option "${issue.path.join('.')}" is invalid: ${issue.message}`,
      { retryable: false },
    );
  }
  if (definition.model) for (const part of definition.model.split(',')) parseModelRef(part.trim(), 'model');
  return { role, definition };
}
