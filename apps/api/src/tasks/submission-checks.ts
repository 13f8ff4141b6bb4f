import { isModelRef } from '@troupe/bus';
import type { SubmitTaskRequest } from '@troupe/client';
import type { AnyWorkflow } from '@troupe/supervisor';
import { formatPath } from '../http/zod-schemas.js';
import { ApiError, ApiErrorCode, type FieldIssue } from '../problem.js';

/** The input against the workflow's schema: 400/422 with each field's problem. */
export function checkInput(workflow: AnyWorkflow, input: unknown): void {
  if (input === undefined) {
    throw new ApiError(ApiErrorCode.Validation, 'The body has no "input": send the task input as "input".', {
      details: { errors: [{ path: 'input', message: 'required' }] },
    });
  }
  const result = workflow.inputSchema['~standard'].validate(input);
  if (result instanceof Promise) {
    throw new ApiError(ApiErrorCode.Internal, `workflow "${workflow.name}" has an asynchronous input schema`);
  }
  if (result.issues) {
    const errors: FieldIssue[] = result.issues.map((issue) => ({
      path: formatPath([
        'input',
        ...(issue.path ?? []).map((seg) => (typeof seg === 'object' ? seg.key : seg)),
      ]),
      message: issue.message,
    }));
    throw new ApiError(
      ApiErrorCode.InvalidInput,
      `The input does not match workflow "${workflow.name}": ${errors
        .slice(0, 5)
        .map((e) => `${e.path}: ${e.message}`)
        .join('; ')}.`,
      { details: { errors } },
    );
  }
}

/** The models a task names must be `provider:model`. */
export function checkOptions(request: SubmitTaskRequest): void {
  const errors: FieldIssue[] = [];
  for (const [role, model] of Object.entries(request.options?.models ?? {})) {
    if (!isModelRef(model))
      errors.push({ path: `options.models.${role}`, message: `"${model}" is not "provider:model"` });
  }
  const cheap = request.options?.cheapModel;
  if (cheap !== undefined && !isModelRef(cheap)) {
    errors.push({ path: 'options.cheapModel', message: `"${cheap}" is not "provider:model"` });
  }
  if (errors.length > 0) {
    throw new ApiError(
      ApiErrorCode.Validation,
      `The options are not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}.`,
      { details: { errors } },
    );
  }
}
