import { WorkflowError, WorkflowErrorCode } from './errors.js';
import { isModelRef } from '@troupe/bus';
import { parseTaskOptions } from './options.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type {
  CompiledStep,
  DefineWorkflowOptions,
  StepDefinition,
  Workflow,
  WorkflowDefinition,
} from './types.js';

/** Names of workflows, steps and roles: they end up in subjects and message ids. */
export const NAME_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Checks a workflow definition and returns it compiled: steps in dependency order, dependents known.
 * Throws a `WorkflowError` (INVALID_WORKFLOW) whose message names the workflow and the step at fault.
 */
export function defineWorkflow<TSchema extends StandardSchemaV1, TResult>(
  definition: WorkflowDefinition<TSchema, TResult>,
  options: DefineWorkflowOptions = {},
): Workflow<StandardSchemaV1.InferOutput<TSchema>, TResult> {
  type TInput = StandardSchemaV1.InferOutput<TSchema>;
  const name = String(definition.name);
  const fail = (message: string): never => {
    throw new WorkflowError(WorkflowErrorCode.InvalidWorkflow, `workflow "${name}": ${message}`, {
      details: { workflow: name },
    });
  };
  if (!NAME_TOKEN.test(name)) fail('the name must use letters, digits, "-" and "_" only');
  if (!Number.isInteger(definition.version) || definition.version < 1)
    fail('version must be a positive integer');
  if (!definition.input || typeof definition.input !== 'object' || !('~standard' in definition.input)) {
    fail('input must be a schema (zod or any Standard Schema)');
  }
  if (typeof definition.result !== 'function') fail('result(ctx) must be a function');
  if (!Array.isArray(definition.steps) || definition.steps.length === 0) fail('it needs at least one step');

  let defaults;
  try {
    defaults = parseTaskOptions(definition.options ?? {}, 'invalid workflow option');
  } catch (err) {
    throw new WorkflowError(
      WorkflowErrorCode.InvalidWorkflow,
      `workflow "${name}": ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

  const steps = definition.steps;
  const byId = new Map<string, StepDefinition<TInput>>();
  steps.forEach((step, i) => {
    const id = String(step.id);
    if (!NAME_TOKEN.test(id))
      fail(`step #${i + 1} has the invalid id "${id}": use letters, digits, "-" and "_" only`);
    if (byId.has(id)) fail(`step "${id}" is defined twice`);
    byId.set(id, step);
  });

  for (const step of steps) checkStep(step, byId, options, fail);

  // Cycles in `needs`, reported with the path that closes the loop.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const loop = [...path.slice(path.indexOf(id)), id];
      fail(`step "${id}" is part of a cycle in needs: ${loop.join(' → ')}`);
    }
    state.set(id, 'visiting');
    for (const need of byId.get(id)?.needs ?? []) visit(need, [...path, id]);
    state.set(id, 'done');
  };
  for (const step of steps) visit(step.id, []);

  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const set = new Set<string>();
    for (const need of byId.get(id)?.needs ?? []) {
      set.add(need);
      for (const a of ancestorsOf(need)) set.add(a);
    }
    ancestors.set(id, set);
    return set;
  };

  for (const step of steps) {
    if (step.loop && step.loop.to !== step.id && !ancestorsOf(step.id).has(step.loop.to)) {
      fail(`step "${step.id}": loop.to "${step.loop.to}" must be this step or a step it needs`);
    }
    if (step.review && !ancestorsOf(step.id).has(step.review.revise)) {
      fail(`step "${step.id}": review.revise "${step.review.revise}" must be a step it needs`);
    }
  }

  // A step id must not look like another step's instance key (`research-2`, `draft-r2`).
  for (const a of byId.keys()) {
    for (const b of byId.keys()) {
      if (a !== b && b.startsWith(`${a}-`) && /^(r\d+(-\d+)?|\d+)$/.test(b.slice(a.length + 1))) {
        fail(`step "${b}" collides with the instance keys of step "${a}" (${a}-1, ${a}-r2): rename it`);
      }
    }
  }

  // Topological order, keeping definition order where the graph allows.
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.id) && (s.needs ?? []).every((n) => placed.has(n)));
    if (!next) fail('the needs graph has a cycle');
    order.push(next!.id);
    placed.add(next!.id);
  }

  const compiled: CompiledStep<TInput>[] = order.map((id) => {
    const step = byId.get(id)!;
    const dependents = order.filter((other) => other !== id && ancestorsOf(other).has(id));
    return Object.freeze({
      ...step,
      needs: Object.freeze([...(step.needs ?? [])]),
      dependents: Object.freeze(dependents),
    });
  });

  const roles = [...new Set(steps.flatMap((s) => (s.fallback?.role ? [s.role, s.fallback.role] : [s.role])))];
  const workflow: Workflow<TInput, TResult> = {
    name,
    version: definition.version,
    description: definition.description ?? '',
    inputSchema: definition.input as StandardSchemaV1<unknown, TInput>,
    steps: Object.freeze(compiled),
    roles: Object.freeze(roles),
    defaults: Object.freeze(defaults!),
    result: (ctx) => definition.result(ctx),
    ...(definition.partial ? { partial: (ctx) => definition.partial!(ctx) } : {}),
  };
  return Object.freeze(workflow);
}

/** Checks that every role a workflow uses is known (the runtime calls this with its role registry). */
export function checkWorkflowRoles(
  workflow: Workflow<unknown, unknown>,
  knownRoles: readonly string[],
): void {
  const known = new Set(knownRoles);
  for (const step of workflow.steps) {
    for (const role of step.fallback?.role ? [step.role, step.fallback.role] : [step.role]) {
      if (!known.has(role)) {
        throw new WorkflowError(
          WorkflowErrorCode.InvalidWorkflow,
          `workflow "${workflow.name}": step "${step.id}" uses the unknown role "${role}" (known: ${[...known].join(', ')})`,
          { details: { workflow: workflow.name, step: step.id, role } },
        );
      }
    }
  }
}

function checkStep<TInput>(
  step: StepDefinition<TInput>,
  byId: Map<string, StepDefinition<TInput>>,
  options: DefineWorkflowOptions,
  fail: (message: string) => never,
): void {
  const at = `step "${step.id}"`;
  const known = options.knownRoles ? new Set(options.knownRoles) : undefined;
  const checkRole = (role: unknown, what: string) => {
    if (typeof role !== 'string' || !NAME_TOKEN.test(role)) {
      fail(`${at}: ${what} "${String(role)}" must use letters, digits, "-" and "_" only`);
    }
    if (known && !known.has(role as string)) {
      fail(`${at}: ${what} "${String(role)}" is not a known role (known: ${[...known].join(', ')})`);
    }
  };
  const positiveInt = (value: unknown, what: string, min = 1) => {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < min)) {
      fail(`${at}: ${what} must be an integer ≥ ${min}`);
    }
  };
  checkRole(step.role, 'role');
  if (typeof step.input !== 'function') fail(`${at}: input(ctx) must be a function`);
  const needs = step.needs ?? [];
  if (!Array.isArray(needs)) fail(`${at}: needs must be an array of step ids`);
  const seen = new Set<string>();
  for (const need of needs) {
    if (need === step.id) fail(`${at} needs itself`);
    if (!byId.has(need)) fail(`${at} needs the unknown step "${need}"`);
    if (seen.has(need)) fail(`${at} lists "${need}" twice in needs`);
    seen.add(need);
  }
  if (step.retry) {
    positiveInt(step.retry.attempts, 'retry.attempts');
    positiveInt(step.retry.backoffMs, 'retry.backoffMs', 0);
    positiveInt(step.retry.maxBackoffMs, 'retry.maxBackoffMs', 0);
    const jitter = step.retry.jitter;
    if (jitter !== undefined && !(typeof jitter === 'number' && jitter >= 0 && jitter <= 1)) {
      fail(`${at}: retry.jitter must be between 0 and 1`);
    }
  }
  positiveInt(step.timeoutMs, 'timeoutMs');
  positiveInt(step.maxParallel, 'maxParallel');
  if (step.model !== undefined && !isModelRef(step.model))
    fail(`${at}: model "${step.model}" is not "provider:model"`);
  if (step.fallback) {
    if (step.fallback.role === undefined && step.fallback.model === undefined) {
      fail(`${at}: fallback needs a role or a model`);
    }
    if (step.fallback.role !== undefined) checkRole(step.fallback.role, 'fallback.role');
    if (step.fallback.model !== undefined && !isModelRef(step.fallback.model)) {
      fail(`${at}: fallback.model "${step.fallback.model}" is not "provider:model"`);
    }
    positiveInt(step.fallback.attempts, 'fallback.attempts');
  }
  if (step.when !== undefined && typeof step.when !== 'function') fail(`${at}: when(ctx) must be a function`);
  if (step.forEach !== undefined && typeof step.forEach !== 'function')
    fail(`${at}: forEach(ctx) must be a function`);
  if (step.maxParallel !== undefined && !step.forEach)
    fail(`${at}: maxParallel only applies to a forEach step`);
  if (step.review) {
    if (step.forEach) fail(`${at}: a review gate needs a single output, not forEach`);
    if (step.loop) fail(`${at}: a step has a review gate or a loop, not both`);
    if (!byId.has(step.review.revise))
      fail(`${at}: review.revise names the unknown step "${step.review.revise}"`);
    positiveInt(step.review.maxRounds, 'review.maxRounds', 0);
    const t = step.review.threshold;
    if (t !== undefined && !(typeof t === 'number' && t >= 0 && t <= 1)) {
      fail(`${at}: review.threshold must be between 0 and 1`);
    }
  }
  if (step.loop) {
    if (!byId.has(step.loop.to)) fail(`${at}: loop.to names the unknown step "${step.loop.to}"`);
    if (typeof step.loop.while !== 'function') fail(`${at}: loop.while(ctx) must be a function`);
    positiveInt(step.loop.maxRounds, 'loop.maxRounds');
    if (step.loop.maxRounds === undefined) fail(`${at}: loop.maxRounds is required`);
  }
}
