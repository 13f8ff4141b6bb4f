import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkWorkflowRoles, defineWorkflow } from './define-workflow.js';
import { WorkflowError, WorkflowErrorCode } from './errors.js';
import type { StepDefinition } from './types.js';

const input = z.object({ question: z.string() });
const step = (id: string, extra: Partial<StepDefinition> = {}): StepDefinition => ({
  id,
  role: 'assistant',
  input: () => ({}),
  ...extra,
});
const define = (steps: StepDefinition[], knownRoles?: string[]) =>
  defineWorkflow(
    { name: 'wf', version: 1, input, steps, result: () => null },
    knownRoles ? { knownRoles } : {},
  );

function errorOf(fn: () => unknown): WorkflowError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowError);
    expect((err as WorkflowError).code).toBe(WorkflowErrorCode.InvalidWorkflow);
    expect((err as WorkflowError).name).toBe('WorkflowError');
    return err as WorkflowError;
  }
  throw new Error('expected a WorkflowError');
}

describe('defineWorkflow', () => {
  it('orders steps by their needs and knows each step’s dependents', () => {
    const wf = define([
      step('c', { needs: ['b'] }),
      step('a'),
      step('b', { needs: ['a'] }),
      step('d', { needs: ['a'] }),
    ]);
    expect(wf.steps.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(wf.steps.find((s) => s.id === 'a')?.dependents).toEqual(['b', 'c', 'd']);
    expect(wf.roles).toEqual(['assistant']);
  });

  it('rejects duplicate ids, naming the step', () => {
    expect(errorOf(() => define([step('a'), step('a')])).message).toBe(
      'workflow "wf": step "a" is defined twice',
    );
  });

  it('rejects a cycle in needs, naming the steps on it', () => {
    const err = errorOf(() =>
      define([step('a', { needs: ['c'] }), step('b', { needs: ['a'] }), step('c', { needs: ['b'] })]),
    );
    expect(err.message).toMatch(/step "a" is part of a cycle in needs: a → c → b → a/);
  });

  it('rejects unknown and self needs', () => {
    expect(errorOf(() => define([step('a'), step('b', { needs: ['nope'] })])).message).toBe(
      'workflow "wf": step "b" needs the unknown step "nope"',
    );
    expect(errorOf(() => define([step('a', { needs: ['a'] })])).message).toBe(
      'workflow "wf": step "a" needs itself',
    );
  });

  it('rejects invalid names of steps, roles and workflows', () => {
    expect(errorOf(() => define([step('bad id')])).message).toMatch(/step #1 has the invalid id "bad id"/);
    expect(errorOf(() => define([step('a', { role: 're.searcher' })])).message).toMatch(
      /step "a": role "re.searcher" must use/,
    );
    expect(
      errorOf(() =>
        defineWorkflow({ name: 'my flow', version: 1, input, steps: [step('a')], result: () => null }),
      ).message,
    ).toMatch(/workflow "my flow": the name must use/);
    expect(
      errorOf(() => defineWorkflow({ name: 'x', version: 0, input, steps: [step('a')], result: () => null }))
        .message,
    ).toMatch(/version must be a positive integer/);
  });

  it('rejects unknown roles when a list of known roles is given', () => {
    const err = errorOf(() => define([step('a', { role: 'poet' })], ['assistant', 'researcher']));
    expect(err.message).toBe(
      'workflow "wf": step "a": role "poet" is not a known role (known: assistant, researcher)',
    );
    expect(errorOf(() => define([step('a', { fallback: { role: 'poet' } })], ['assistant'])).message).toMatch(
      /step "a": fallback.role "poet" is not a known role/,
    );
    const wf = define([step('a', { role: 'poet' })]);
    expect(() => checkWorkflowRoles(wf, ['assistant'])).toThrow(/step "a" uses the unknown role "poet"/);
    expect(() => checkWorkflowRoles(wf, ['poet'])).not.toThrow();
  });

  it('rejects ids that would collide with instance keys', () => {
    expect(errorOf(() => define([step('research'), step('research-2')])).message).toMatch(
      /step "research-2" collides with the instance keys of step "research"/,
    );
    expect(errorOf(() => define([step('draft'), step('draft-r2')])).message).toMatch(
      /step "draft-r2" collides/,
    );
    expect(() => define([step('draft'), step('draft-review')])).not.toThrow();
  });

  it('checks loops, review gates, retry, timeouts and models, naming the step', () => {
    expect(
      errorOf(() =>
        define([step('a'), step('b', { loop: { to: 'c', while: () => true, maxRounds: 2 } }), step('c')]),
      ).message,
    ).toBe('workflow "wf": step "b": loop.to "c" must be this step or a step it needs');
    expect(
      errorOf(() => define([step('a', { loop: { to: 'a', while: () => true, maxRounds: 0 } })])).message,
    ).toMatch(/step "a": loop.maxRounds must be an integer ≥ 1/);
    expect(errorOf(() => define([step('a'), step('b', { review: { revise: 'b' } })])).message).toMatch(
      /step "b": review.revise "b" must be a step it needs/,
    );
    expect(errorOf(() => define([step('a', { retry: { jitter: 2 } })])).message).toMatch(
      /step "a": retry.jitter must be between 0 and 1/,
    );
    expect(errorOf(() => define([step('a', { retry: { attempts: 0 } })])).message).toMatch(
      /step "a": retry.attempts must be an integer ≥ 1/,
    );
    expect(errorOf(() => define([step('a', { timeoutMs: -5 })])).message).toMatch(
      /step "a": timeoutMs must be an integer ≥ 1/,
    );
    expect(errorOf(() => define([step('a', { model: 'gpt-4o' })])).message).toMatch(
      /step "a": model "gpt-4o" is not "provider:model"/,
    );
    expect(errorOf(() => define([step('a', { maxParallel: 2 })])).message).toMatch(
      /step "a": maxParallel only applies to a forEach step/,
    );
    expect(
      errorOf(() =>
        define([step('a'), step('b', { needs: ['a'], forEach: () => [], review: { revise: 'a' } })]),
      ).message,
    ).toMatch(/step "b": a review gate needs a single output/);
  });

  it('rejects invalid workflow option defaults, naming the option', () => {
    expect(
      errorOf(() =>
        defineWorkflow({
          name: 'wf',
          version: 1,
          input,
          steps: [step('a')],
          result: () => null,
          options: { maxParallel: 0 },
        }),
      ).message,
    ).toMatch(/workflow "wf": invalid workflow option "maxParallel"/);
  });
});
