import { roleOutputSchemas } from '@troupe/bus';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAgentError } from '../execution/agent-error.js';
import { AnalystOutput } from './analyst.js';
import { AssistantOutput } from './assistant.js';
import { DrafterOutput } from './drafter.js';
import { PlannerOutput } from './planner.js';
import { builtinRoles, createRoleRegistry } from './registry.js';
import { ResearcherOutput } from './researcher.js';
import { ReviewerOutput } from './reviewer.js';
import { defineRole } from './role.js';

describe('built-in roles', () => {
  it('answer with the output contract the supervisor checks results against (one definition, in the bus)', () => {
    expect(Object.keys(roleOutputSchemas).sort()).toEqual(Object.keys(builtinRoles).sort());
    for (const [name, role] of Object.entries(builtinRoles)) {
      expect(role.output).toBe(roleOutputSchemas[name as keyof typeof roleOutputSchemas]);
    }
  });

  it('have the output shapes the workflows read', () => {
    expect(PlannerOutput.parse({ subQuestions: ['a?'], approach: 'x' })).toEqual({
      subQuestions: ['a?'],
      approach: 'x',
    });
    expect(() => PlannerOutput.parse({ subQuestions: [], approach: 'x' })).toThrow();
    expect(() => PlannerOutput.parse({ subQuestions: Array(9).fill('q'), approach: 'x' })).toThrow();
    ResearcherOutput.parse({
      question: 'q',
      findings: [{ summary: 's', citation: { source: 'a.md', title: 'A', excerpt: 'e' } }],
    });
    AnalystOutput.parse({
      summary: 's',
      claims: [{ text: 't', sources: ['a.md'], confidence: 0.5 }],
      numbers: [
        { label: 'l', value: 1 },
        { label: 'm', value: 2, unit: '%' },
      ],
    });
    expect(() =>
      AnalystOutput.parse({
        summary: 's',
        claims: [{ text: 't', sources: [], confidence: 1.5 }],
        numbers: [],
      }),
    ).toThrow();
    DrafterOutput.parse({ title: 't', markdown: '# t', citations: [{ id: 1, source: 'a.md', title: 'A' }] });
    ReviewerOutput.parse({
      verdict: 'revise',
      confidence: 0.4,
      scores: [{ criterion: 'c', score: 0.2, comment: 'x' }],
      notes: ['n'],
    });
    expect(() =>
      ReviewerOutput.parse({ verdict: 'maybe', confidence: 0.4, scores: [], notes: [] }),
    ).toThrow();
    AssistantOutput.parse({ answer: 'a', citations: [{ source: 's', title: 't' }] });
  });

  it('describe their output as JSON Schema and name the tools they get', () => {
    for (const role of Object.values(builtinRoles)) {
      expect(role.outputJsonSchema['type']).toBe('object');
      expect(role.instructions.length).toBeGreaterThan(100);
    }
    expect(builtinRoles.researcher.tools).toEqual(['search_corpus']);
    expect(builtinRoles.assistant.tools).toEqual(['search_corpus', 'calculator']);
    expect(builtinRoles.planner.tools).toEqual([]);
  });

  it('accept step inputs with extra fields', () => {
    expect(
      builtinRoles.researcher.input?.safeParse({ question: 'q', task: { question: 's', id: 3 }, attempt: 2 })
        .success,
    ).toBe(true);
    expect(
      builtinRoles.reviewer.input?.safeParse({
        question: 'q',
        draft: { title: 't', markdown: 'm', citations: [] },
      }).success,
    ).toBe(true);
    expect(builtinRoles.planner.input?.safeParse({}).success).toBe(false);
  });
});

describe('defineRole and the registry', () => {
  const output = z.object({ verdict: z.string() });

  it('names the field at fault', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'Bad Name' }, /"name" must match/],
      [{ description: ' ' }, /defineRole\(judge\): "description"/],
      [{ instructions: '' }, /"instructions" must be a non-empty string/],
      [{ output: { parse: () => 1 } }, /"output" must be a zod schema/],
      [{ output: z.array(z.string()) }, /"output" must be an object schema/],
      [{ tools: ['ok', 'not ok'] }, /"tools.1" is not a valid tool name/],
      [{ defaultModel: 'gpt-4o' }, /defineRole\(judge\): "defaultModel" "gpt-4o" is not a model reference/],
      [{ offline: 'yes' }, /defineRole\(judge\): "offline" must be a function of the step input/],
    ];
    for (const [patch, message] of cases) {
      let error: unknown;
      try {
        defineRole({
          name: 'judge',
          description: 'Judges',
          instructions: 'Judge it.',
          output,
          ...patch,
        } as never);
      } catch (err) {
        error = err;
      }
      expect(
        isAgentError(error, 'INVALID_OPTIONS') || (error as { code?: string })?.code === 'INVALID_OPTIONS',
      ).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('holds built-ins and user roles; a user role may replace a built-in', () => {
    const judge = defineRole({
      name: 'judge',
      description: 'Judges',
      instructions: 'Judge it.',
      output,
      defaultModel: 'anthropic:claude-sonnet-4-5',
    });
    const registry = createRoleRegistry([judge]);
    expect(registry.get('judge')).toBe(judge);
    expect(registry.get('planner')).toBe(builtinRoles.planner);
    expect(registry.list().map((r) => r.name)).toEqual([
      'planner',
      'researcher',
      'analyst',
      'drafter',
      'reviewer',
      'assistant',
      'judge',
    ]);
    expect(() => registry.get('poet')).toThrow(/unknown role "poet" \(known roles: planner, researcher/);
    const mine = defineRole({ name: 'planner', description: 'Mine', instructions: 'Plan.', output });
    registry.register(mine);
    expect(registry.get('planner')).toBe(mine);
    expect(createRoleRegistry([], { builtins: false }).list()).toEqual([]);
  });
});
