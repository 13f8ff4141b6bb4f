import { builtinRoles, defineAgent, type Agent, type Role } from '@troupe/agents';
import { CliError, CliErrorCode } from '../errors.js';
import { shownConfigPath } from './find-config.js';
import type { TroupeProject } from './project.js';

/** What the command line sets for every role of one agent process; it wins over the project's `agents` entry. */
export interface AgentOverrides {
  model?: string;
  concurrency?: number;
}

/**
 * The agent that serves `role`: its `agents` entry of the project (model, concurrency, cache, guardrails, ...),
 * the project's tools it names (in its definition or in that entry), and the MCP servers the entry names.
 * `defineAgent` checks it; its error names the option at fault.
 */
export function agentForRole(project: TroupeProject, role: Role, overrides: AgentOverrides = {}): Agent {
  const { tools: toolNames = [], mcpServers = [], ...settings } = project.agents[role.name] ?? {};
  const wanted = new Set([...role.tools, ...toolNames]);
  const tools = project.tools.filter((t) => wanted.has(t.name));
  const mcp = project.mcpServers.filter((s) => mcpServers.includes(s.name));
  return defineAgent({
    role,
    ...settings,
    ...(tools.length > 0 ? { tools } : {}),
    ...(mcp.length > 0 ? { mcp } : {}),
    ...(overrides.model !== undefined ? { model: overrides.model } : {}),
    ...(overrides.concurrency !== undefined ? { concurrency: overrides.concurrency } : {}),
  });
}

/** The roles named on the command line: built-in ones, or the project's; an unknown name says which exist. */
export function rolesNamed(project: TroupeProject, names: readonly string[]): Role[] {
  const builtins = builtinRoles as Readonly<Record<string, Role>>;
  return names.map((name) => {
    const role = Object.hasOwn(builtins, name) ? builtins[name] : project.roles.find((r) => r.name === name);
    if (role) return role;
    const own = project.file
      ? project.roles.length > 0
        ? `; ${shownConfigPath(project.file)} defines ${project.roles.map((r) => r.name).join(', ')}`
        : `; ${shownConfigPath(project.file)} defines none`
      : '; no troupe.config.ts was found (from the working directory upward)';
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--role: "${name}" is not a role: the built-in roles are ${Object.keys(builtins).join(', ')}${own}`,
      {
        hint: project.file
          ? `define it with defineRole() in ${shownConfigPath(project.file)}`
          : 'define it with defineRole() in a troupe.config.ts (docs/your-own-troupe.md), or pass --config <file>',
      },
    );
  });
}
