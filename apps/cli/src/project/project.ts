import type { McpServerConfig, Role } from '@troupe/agents';
import type { AnyWorkflow } from '@troupe/supervisor';
import type { AgentSettings, ProjectTool } from './define-troupe-config.js';

/** A project's own parts, checked, as every `troupe` command runs them beside the built-in ones. */
export interface TroupeProject {
  /** The troupe.config file (absolute); undefined when there is none and the built-ins run alone. */
  readonly file: string | undefined;
  readonly roles: readonly Role[];
  readonly agents: Readonly<Record<string, AgentSettings>>;
  readonly tools: readonly ProjectTool[];
  readonly mcpServers: readonly McpServerConfig[];
  readonly workflows: readonly AnyWorkflow[];
}

/** No project file: the built-in roles and workflows alone. */
export const NO_PROJECT: TroupeProject = Object.freeze({
  file: undefined,
  roles: [],
  agents: {},
  tools: [],
  mcpServers: [],
  workflows: [],
});
