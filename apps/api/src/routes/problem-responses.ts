import { ProblemSchema } from '@troupe/client';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation (`errors` lists the fields).',
  401: 'No valid API key.',
  403: 'The API key lacks the scope, or may not use the workflow.',
  404: 'No such task for this tenant.',
  409: 'The task is not in a state that allows this.',
  413: 'The body is larger than the limit.',
  415: 'The body is not application/json.',
  422: 'The workflow is unknown or the input does not match its schema (`errors` lists the fields).',
  429: 'Rate limit reached; see `Retry-After`.',
  503: 'The message bus is unavailable; retry after `Retry-After`.',
};

/** problem+json responses for a route's OpenAPI entry. */
export function problems(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = {
      description: DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

/** A JSON response entry with its description. */
export function json(description: string, schema: unknown): unknown {
  return { description, content: { 'application/json': { schema } } };
}
