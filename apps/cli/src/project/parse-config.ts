import {
  BUILTIN_TOOL_NAMES,
  builtinRoles,
  type AgentDefinition,
  type McpServerConfig,
  type Role,
} from '@troupe/agents';
import { builtinWorkflows, type AnyWorkflow } from '@troupe/supervisor';
import { z } from 'zod';
import { CliError, CliErrorCode } from '../errors.js';
import { agentForRole } from './agent-for-role.js';
import type { AgentSettings, ProjectTool } from './define-troupe-config.js';
import { shownConfigPath } from './find-config.js';
import type { TroupeProject } from './project.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

// Roles, tools and workflows come made by their define* functions, which checked them; here only that they are.
const RoleSchema = z.custom<Role>(
  (v) =>
    isObject(v) &&
    typeof v['name'] === 'string' &&
    typeof v['instructions'] === 'string' &&
    Array.isArray(v['tools']) &&
    isObject(v['outputJsonSchema']) &&
    isObject(v['output']) &&
    typeof v['output']['safeParse'] === 'function',
  'expected a role made with defineRole() (@troupe/agents)',
);
const ToolSchema = z.custom<ProjectTool>(
  (v) =>
    isObject(v) &&
    typeof v['name'] === 'string' &&
    typeof v['run'] === 'function' &&
    isObject(v['parameters']),
  'expected a tool made with defineTool() (@troupe/tools)',
);
const WorkflowSchema = z.custom<AnyWorkflow>(
  (v) =>
    isObject(v) &&
    typeof v['name'] === 'string' &&
    Number.isInteger(v['version']) &&
    Array.isArray(v['steps']) &&
    Array.isArray(v['roles']) &&
    typeof v['result'] === 'function',
  'expected a workflow made with defineWorkflow() (@troupe/supervisor)',
);

const McpServerSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, "_" or "-"'),
  transport: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
    }),
    z.strictObject({
      type: z.literal('http'),
      url: z.url(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
  ]),
});

const AgentSettingsSchema = z.strictObject({
  model: z.string().min(1).optional(),
  concurrency: z.number().int().min(1).max(1024).optional(),
  cache: z.boolean().optional(),
  maxRounds: z.number().int().min(1).max(50).optional(),
  // Checked in full by createGuardrails when the agent starts.
  guardrails: z
    .custom<NonNullable<AgentDefinition['guardrails']>>(isObject, 'expected guardrail options (an object)')
    .optional(),
  tools: z.array(z.string()).optional(),
  mcpServers: z.array(z.string()).optional(),
});

const KEYS = ['roles', 'agents', 'tools', 'mcpServers', 'workflows'];

/** What a troupe.config's default export must be; the cross-checks run once each part has its shape. */
export const TroupeConfigSchema = z
  .strictObject({
    roles: z.array(RoleSchema).default([]),
    agents: z.record(z.string(), AgentSettingsSchema).default({}),
    tools: z.array(ToolSchema).default([]),
    mcpServers: z.array(McpServerSchema).default([]),
    workflows: z.array(WorkflowSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const problem = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const builtinRoleNames = Object.keys(builtinRoles);
    const builtinWorkflowNames = builtinWorkflows.map((w) => w.name);

    /** Each name once, and none taken by a built-in. */
    const unique = (
      key: string,
      names: readonly string[],
      builtins: readonly string[],
      what: string,
    ): Map<string, number> => {
      const seen = new Map<string, number>();
      names.forEach((name, i) => {
        if (builtins.includes(name)) {
          problem(
            [key, i],
            `"${name}" is the name of a built-in ${what} (${builtins.join(', ')}): give yours another name`,
          );
        } else if (seen.has(name)) {
          problem([key, i], `"${name}" is defined twice (also ${key}[${seen.get(name)}])`);
        } else seen.set(name, i);
      });
      return seen;
    };
    const roleNames = unique(
      'roles',
      config.roles.map((r) => r.name),
      builtinRoleNames,
      'role',
    );
    const toolNames = unique(
      'tools',
      config.tools.map((t) => t.name),
      BUILTIN_TOOL_NAMES,
      'tool',
    );
    const serverNames = unique(
      'mcpServers',
      config.mcpServers.map((s) => s.name),
      [],
      'MCP server',
    );
    unique(
      'workflows',
      config.workflows.map((w) => w.name),
      builtinWorkflowNames,
      'workflow',
    );
    const listed = (names: Iterable<string>) => [...names].join(', ') || 'none';

    // Every role a workflow uses is served by someone.
    config.workflows.forEach((workflow, i) => {
      for (const step of workflow.steps) {
        for (const role of step.fallback?.role ? [step.role, step.fallback.role] : [step.role]) {
          if (builtinRoleNames.includes(role) || roleNames.has(role)) continue;
          problem(
            ['workflows', i],
            `workflow "${workflow.name}": step "${step.id}" uses the role "${role}", which nobody defines ` +
              `(built-in roles: ${builtinRoleNames.join(', ')}; roles of this file: ${listed(roleNames.keys())})`,
          );
        }
      }
    });

    // `agents` entries name a role, and the tools and MCP servers of this file.
    for (const [name, settings] of Object.entries(config.agents)) {
      if (!builtinRoleNames.includes(name) && !roleNames.has(name)) {
        problem(
          ['agents', name],
          `"${name}" is not a role (built-in roles: ${builtinRoleNames.join(', ')}; roles of this file: ${listed(roleNames.keys())})`,
        );
      }
      settings.tools?.forEach((tool, j) => {
        if (!toolNames.has(tool))
          problem(
            ['agents', name, 'tools', j],
            `"${tool}" is not a tool of this file (tools: ${listed(toolNames.keys())})`,
          );
      });
      settings.mcpServers?.forEach((server, j) => {
        if (!serverNames.has(server))
          problem(
            ['agents', name, 'mcpServers', j],
            `"${server}" is not an MCP server of this file (mcpServers: ${listed(serverNames.keys())})`,
          );
      });
    }

    // A role's tools are built in, of this file, or `<server>__<tool>` of an MCP server its agents get.
    config.roles.forEach((role, i) => {
      const servers = config.agents[role.name]?.mcpServers ?? [];
      for (const tool of role.tools) {
        if (BUILTIN_TOOL_NAMES.includes(tool) || toolNames.has(tool)) continue;
        if (servers.some((s) => tool.startsWith(`${s}__`))) continue;
        problem(
          ['roles', i],
          `role "${role.name}" names the tool "${tool}", which is neither built in (${BUILTIN_TOOL_NAMES.join(', ')}) ` +
            `nor a tool of this file (${listed(toolNames.keys())}), nor an MCP server's (<server>__<tool>) given to it in agents.${role.name}.mcpServers`,
        );
      }
    });
  });

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = pathOf(issue.path);
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}` +
        (where === '' ? ` (a config has ${KEYS.join(', ')})` : '')
      : issue.message;
  return where === '' ? message : `${where}: ${message}`;
}

/** Checks what a troupe.config exports; a `INVALID_CONFIG` CliError names the file and every problem. */
export function parseTroupeConfig(value: unknown, file: string): TroupeProject {
  const shown = shownConfigPath(file);
  const fail = (problems: readonly string[]): never => {
    throw new CliError(
      CliErrorCode.InvalidConfig,
      problems.length === 1
        ? `${shown}: ${problems[0]}`
        : `${shown} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'fix the file (docs/your-own-troupe.md describes it)', details: { file } },
    );
  };
  if (!isObject(value) || Array.isArray(value)) {
    fail([
      `its default export is ${Array.isArray(value) ? 'an array' : typeof value}, not a config: end the file with export default defineTroupeConfig({ ... })`,
    ]);
  }
  const parsed = TroupeConfigSchema.safeParse(value);
  if (!parsed.success) fail(parsed.error.issues.map(describeIssue));
  const config = parsed.data!;
  const project: TroupeProject = Object.freeze({
    file,
    roles: config.roles,
    agents: config.agents as Readonly<Record<string, AgentSettings>>,
    tools: config.tools,
    mcpServers: config.mcpServers as McpServerConfig[],
    workflows: config.workflows,
  });
  // Each `agents` entry as defineAgent sees it: a bad model reference shows now, in every command.
  const problems: string[] = [];
  for (const name of Object.keys(config.agents)) {
    const role = Object.hasOwn(builtinRoles, name)
      ? (builtinRoles as Readonly<Record<string, Role>>)[name]
      : config.roles.find((r) => r.name === name);
    try {
      if (role) agentForRole(project, role);
    } catch (err) {
      problems.push(`agents.${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) fail(problems);
  return project;
}
