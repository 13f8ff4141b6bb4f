import { builtinRoles, defineRole } from '@troupe/agents';
import { AssistantOutputSchema, defineWorkflow } from '@troupe/supervisor';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isCliError } from '../errors.js';
import { agentForRole, rolesNamed } from './agent-for-role.js';
import type { ProjectTool, TroupeConfig } from './define-troupe-config.js';
import { defineTroupeConfig } from './define-troupe-config.js';
import { parseTroupeConfig } from './parse-config.js';
import { NO_PROJECT } from './project.js';

// Inside the working directory, so messages show it relative, as a user sees it.
const FILE = `${process.cwd()}/my-project/troupe.config.ts`;
const SHOWN = 'my-project/troupe.config.ts';

const role = (name: string, tools: string[] = []) =>
  defineRole({
    name,
    description: `The ${name}`,
    instructions: `Be a ${name}.`,
    output: z.object({ text: z.string() }),
    tools,
  });
const translator = role('translator');

const workflow = (name: string, roles: string[]) =>
  defineWorkflow({
    name,
    version: 1,
    input: z.object({ text: z.string() }),
    steps: roles.map((r, i) => ({
      id: `step${i + 1}`,
      role: r,
      ...(i > 0 ? { needs: [`step${i}`] } : {}),
      input: ({ input }) => input,
      ...(r === 'assistant' ? { output: AssistantOutputSchema } : {}),
    })),
    result: ({ outputs }) => outputs,
  });

const glossary: ProjectTool = {
  name: 'glossary',
  description: 'Looks a word up',
  input: z.object({ word: z.string() }),
  parameters: { type: 'object', properties: { word: { type: 'string' } } },
  timeoutMs: 1_000,
  run: async () => 'mot',
};

/** The message of the INVALID_CONFIG error parsing `value` gives. */
function problem(value: unknown): string {
  try {
    parseTroupeConfig(value, FILE);
  } catch (err) {
    expect(isCliError(err, 'INVALID_CONFIG'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('checking a troupe.config', () => {
  it('takes roles, agents, tools, MCP servers and workflows, and builds each role its agent', () => {
    const config = defineTroupeConfig({
      roles: [translator, role('editor', ['glossary', 'search_corpus', 'files__read_file'])],
      agents: {
        translator: { concurrency: 2, model: 'offline:offline-1', tools: ['glossary'] },
        editor: { mcpServers: ['files'] },
        assistant: { maxRounds: 3 },
      },
      tools: [glossary],
      mcpServers: [
        { name: 'files', transport: { type: 'stdio', command: 'mcp-files', args: ['--root', '.'] } },
      ],
      workflows: [workflow('summarise-translate', ['assistant', 'translator'])],
    });
    const project = parseTroupeConfig(config, FILE);
    expect(project.file).toBe(FILE);
    expect(project.roles.map((r) => r.name)).toEqual(['translator', 'editor']);
    expect(project.workflows.map((w) => w.name)).toEqual(['summarise-translate']);

    const forTranslator = agentForRole(project, translator, { concurrency: 8 });
    expect(forTranslator.definition).toMatchObject({ concurrency: 8, model: 'offline:offline-1' });
    expect(forTranslator.definition.tools?.map((t) => t.name)).toEqual(['glossary']);
    const editor = agentForRole(project, project.roles[1]!);
    expect(editor.definition.tools?.map((t) => t.name)).toEqual(['glossary']);
    expect(editor.definition.mcp?.map((s) => s.name)).toEqual(['files']);
    expect(agentForRole(project, builtinRoles.assistant).definition).toMatchObject({ maxRounds: 3 });

    expect(rolesNamed(project, ['assistant', 'translator']).map((r) => r.name)).toEqual([
      'assistant',
      'translator',
    ]);
  });

  it('an empty config, or one without some parts, is fine', () => {
    expect(parseTroupeConfig({}, FILE)).toMatchObject({ roles: [], workflows: [], tools: [], agents: {} });
  });

  it('a default export that is not an object says how the file should end', () => {
    expect(problem(42)).toBe(
      `${SHOWN}: its default export is number, not a config: end the file with export default defineTroupeConfig({ ... })`,
    );
    expect(problem([translator])).toMatch(/its default export is an array, not a config/);
  });

  it('wrong shapes name the part: a role not made with defineRole, an unknown key, a bad MCP server', () => {
    expect(problem({ roles: [{ name: 'translator' }] })).toBe(
      `${SHOWN}: roles[0]: expected a role made with defineRole() (@troupe/agents)`,
    );
    expect(problem({ role: [translator] })).toBe(
      `${SHOWN}: unknown key "role" (a config has roles, agents, tools, mcpServers, workflows)`,
    );
    const several = problem({
      workflows: [{ name: 'x' }],
      tools: ['glossary'],
      mcpServers: [{ name: 'files', transport: { type: 'pipe' } }],
      agents: { translator: { concurency: 2 } },
    });
    expect(several).toMatch(new RegExp(`^${SHOWN} has 4 problems:\n`));
    expect(several).toContain(
      '  - workflows[0]: expected a workflow made with defineWorkflow() (@troupe/supervisor)',
    );
    expect(several).toContain('  - tools[0]: expected a tool made with defineTool() (@troupe/tools)');
    expect(several).toContain(
      "  - mcpServers[0].transport.type: Invalid discriminator value. Expected 'stdio' | 'http'",
    );
    expect(several).toContain('  - agents.translator: unknown key "concurency"');
  });

  it('a role or workflow named like a built-in one, or defined twice, is refused', () => {
    expect(problem({ roles: [role('assistant')] })).toBe(
      `${SHOWN}: roles[0]: "assistant" is the name of a built-in role (planner, researcher, analyst, drafter, reviewer, assistant): give yours another name`,
    );
    expect(problem({ roles: [translator, role('translator')] })).toBe(
      `${SHOWN}: roles[1]: "translator" is defined twice (also roles[0])`,
    );
    expect(problem({ workflows: [workflow('report', ['assistant'])] })).toBe(
      `${SHOWN}: workflows[0]: "report" is the name of a built-in workflow (ask, rag, extract, tools, report): give yours another name`,
    );
    expect(problem({ workflows: [workflow('mine', ['assistant']), workflow('mine', ['drafter'])] })).toBe(
      `${SHOWN}: workflows[1]: "mine" is defined twice (also workflows[0])`,
    );
    expect(problem({ tools: [{ ...glossary, name: 'calculator' }] })).toMatch(
      /tools\[0\]: "calculator" is the name of a built-in tool \(search_corpus, calculator, read_file, http_fetch\)/,
    );
  });

  it('a workflow using a role nobody defines names the step and the roles there are', () => {
    expect(
      problem({
        roles: [translator],
        workflows: [workflow('summarise-translate', ['assistant', 'translater'])],
      }),
    ).toBe(
      `${SHOWN}: workflows[0]: workflow "summarise-translate": step "step2" uses the role "translater", which nobody defines ` +
        '(built-in roles: planner, researcher, analyst, drafter, reviewer, assistant; roles of this file: translator)',
    );
  });

  it('agents, tools and MCP servers refer to each other by name, and each name must exist', () => {
    expect(problem({ agents: { translator: { concurrency: 2 } } })).toMatch(
      /agents\.translator: "translator" is not a role \(built-in roles: .*; roles of this file: none\)/,
    );
    expect(
      problem({ roles: [translator], agents: { translator: { tools: ['glosary'] } }, tools: [glossary] }),
    ).toBe(`${SHOWN}: agents.translator.tools[0]: "glosary" is not a tool of this file (tools: glossary)`);
    expect(problem({ roles: [translator], agents: { translator: { mcpServers: ['files'] } } })).toBe(
      `${SHOWN}: agents.translator.mcpServers[0]: "files" is not an MCP server of this file (mcpServers: none)`,
    );
    expect(problem({ roles: [role('editor', ['glossary'])] })).toMatch(
      /roles\[0\]: role "editor" names the tool "glossary", which is neither built in \(search_corpus, .*\) nor a tool of this file \(none\)/,
    );
  });

  it("an agent entry that defineAgent refuses is named with defineAgent's reason", () => {
    expect(problem({ roles: [translator], agents: { translator: { model: 'gpt-4o' } } })).toMatch(
      new RegExp(`^${SHOWN}: agents\\.translator: .*"gpt-4o" is not a model reference`),
    );
  });

  it('types the config: what a role of the wrong shape would be is a type error', () => {
    // @ts-expect-error -- roles are made with defineRole
    const wrong: TroupeConfig = { roles: [{ name: 'translator' }] };
    expect(problem(wrong)).toMatch(/roles\[0\]: expected a role made with defineRole/);
  });

  it('an unknown --role lists the built-in roles and those of the file, or says there is no file', () => {
    const project = parseTroupeConfig({ roles: [translator] }, FILE);
    expect(() => rolesNamed(project, ['translater'])).toThrow(
      `--role: "translater" is not a role: the built-in roles are planner, researcher, analyst, drafter, reviewer, assistant; ${SHOWN} defines translator`,
    );
    expect(() => rolesNamed(NO_PROJECT, ['translator'])).toThrow(
      /"translator" is not a role: .*; no troupe\.config\.ts was found \(from the working directory upward\)/,
    );
  });
});
