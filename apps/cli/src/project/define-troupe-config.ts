import type { AgentDefinition, McpServerConfig, Role } from '@troupe/agents';
import type { AnyWorkflow } from '@troupe/supervisor';

/** A tool made with `defineTool` from `@troupe/tools`. */
export type ProjectTool = NonNullable<AgentDefinition['tools']>[number];

/** How the agents of one role run, as `agents.<role>` of a troupe.config.ts sets it. */
export interface AgentSettings {
  /** `provider:model`, or a comma-separated fallback chain; `troupe agent --model` wins over it. */
  model?: string;
  /** Steps one agent process runs at once; `troupe agent --concurrency` wins over it. */
  concurrency?: number;
  /** Cache model and tool calls in NATS KV (`troupe_cache`). */
  cache?: boolean;
  /** Model-and-tool rounds before the step gives up. */
  maxRounds?: number;
  guardrails?: AgentDefinition['guardrails'];
  /** Tools of this file (`tools`, by name) the role gets besides those its definition names. */
  tools?: readonly string[];
  /** MCP servers of this file (`mcpServers`, by name) whose tools the role gets. */
  mcpServers?: readonly string[];
}

/** What a troupe.config.ts exports: a project's own parts, run beside the built-in ones. */
export interface TroupeConfig {
  /** Roles made with `defineRole`; each name must differ from the built-in roles'. */
  roles?: readonly Role[];
  /** How the agents of a role (yours or a built-in one) run, by role name. */
  agents?: Readonly<Record<string, AgentSettings>>;
  /** Tools made with `defineTool`: a role gets those its definition (or its `agents` entry) names. */
  tools?: readonly ProjectTool[];
  /** MCP servers, by name; a role gets a server's tools through `agents.<role>.mcpServers`. */
  mcpServers?: readonly McpServerConfig[];
  /** Workflows made with `defineWorkflow`, using built-in roles and the roles above. */
  workflows?: readonly AnyWorkflow[];
}

/**
 * The default export of a troupe.config.ts. It only types the object: every `troupe` command checks the
 * file when it loads it, and says what is wrong with which part.
 *
 * ```ts
 * export default defineTroupeConfig({ roles: [translator], workflows: [summariseTranslate] });
 * ```
 */
export function defineTroupeConfig<const TConfig extends TroupeConfig>(config: TConfig): TConfig {
  return config;
}
