import { z } from 'zod';
import { BusError, BusErrorCode } from './errors.js';

/**
 * Which model answers: `provider:model`, as workflows, task options, step assignments and `TROUPE_MODEL`
 * write it. Only the form is checked here; which providers exist is the agent's business.
 */
export interface ModelRef {
  /** Lower-cased: letters, digits, `-` and `_`. */
  provider: string;
  /** May hold colons itself (`openai:llama3.1:8b` for an Ollama model); no whitespace. */
  model: string;
}

const PROVIDER_NAME = /^[A-Za-z0-9_-]+$/;
const WHITESPACE = /\s/;

/** The reference, or what is wrong with it (worded to follow the quoted value). */
function readModelRef(value: string): ModelRef | string {
  const text = value.trim();
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    return 'is not a model reference: expected provider:model, e.g. openai:gpt-4o-mini';
  }
  const provider = text.slice(0, colon);
  const model = text.slice(colon + 1).trim();
  if (!PROVIDER_NAME.test(provider)) {
    return `has an invalid provider name "${provider}": use letters, digits, "-" and "_"`;
  }
  if (model.length === 0 || WHITESPACE.test(model)) return `has an invalid model name "${model}"`;
  return { provider: provider.toLowerCase(), model };
}

/** A `provider:model` string, parsed to its parts. */
export const ModelRefSchema = z.string().transform((value, ctx): ModelRef => {
  const ref = readModelRef(value);
  if (typeof ref === 'string') {
    ctx.addIssue({ code: 'custom', message: `"${value}" ${ref}`, input: value });
    return z.NEVER;
  }
  return ref;
});

/**
 * Parse `provider:model`. `label` names where the value came from in the error message (`TROUPE_MODEL`,
 * `options.cheapModel`, ...). Throws a `BusError` with code `INVALID_OPTIONS`.
 */
export function parseModelRef(value: string, label = 'model reference'): ModelRef {
  const ref = readModelRef(value);
  if (typeof ref === 'string') {
    throw new BusError(BusErrorCode.InvalidOptions, `${label} "${value}" ${ref}`, { details: { value } });
  }
  return ref;
}

export function isModelRef(value: unknown): value is string {
  return typeof value === 'string' && typeof readModelRef(value) !== 'string';
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider}:${ref.model}`;
}
