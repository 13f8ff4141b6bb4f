import { createWorkflowEngine, type AnyWorkflow, type WorkflowEngine } from '@troupe/supervisor';
import { mayUseWorkflow, type Principal } from '../auth/api-keys.js';
import { ApiError, ApiErrorCode } from '../problem.js';

export interface ServedWorkflow {
  workflow: AnyWorkflow;
  engine: WorkflowEngine;
}

/** The workflows this API serves, and which of them an API key may use. */
export interface ServedWorkflows {
  readonly all: ReadonlyMap<string, ServedWorkflow>;
  /** The names a principal may use, for messages: "ask, report" or "(none)". */
  describe(principal: Principal): string;
  /** The workflow, when the principal may use it; 403 or 404 that says which it may use otherwise. */
  workflowFor(principal: Principal, name: string): ServedWorkflow;
}

export function createServedWorkflows(workflows: readonly AnyWorkflow[]): ServedWorkflows {
  const all = new Map<string, ServedWorkflow>();
  for (const workflow of workflows)
    all.set(workflow.name, { workflow, engine: createWorkflowEngine(workflow) });
  const describe = (principal: Principal) =>
    [...all.keys()].filter((name) => mayUseWorkflow(principal, name)).join(', ') || '(none)';
  return {
    all,
    describe,
    workflowFor(principal, name) {
      const entry = all.get(name);
      if (entry && mayUseWorkflow(principal, name)) return entry;
      if (entry) {
        throw new ApiError(
          ApiErrorCode.Forbidden,
          `This API key may not run workflow "${name}" (allowed: ${describe(principal)}).`,
        );
      }
      throw new ApiError(
        ApiErrorCode.UnknownWorkflow,
        `There is no workflow "${name}". Available: ${describe(principal)} (GET /v1/workflows).`,
        { details: { errors: [{ path: 'workflow', message: 'unknown workflow' }] } },
      );
    },
  };
}
