import { z } from 'zod';
import { ModelError, ModelErrorCode } from './model-error.js';

/** Validate factory options with zod; the error names the function and the option at fault. */
export function parseOptions<TOut>(schema: z.ZodType<TOut>, value: unknown, where: string): TOut {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(options)';
  throw new ModelError(
    ModelErrorCode.InvalidOptions,
    `${where}: option "${path}" is invalid: ${issue?.message ?? 'unknown problem'}`,
    { cause: result.error, details: { option: path } },
  );
}

/** Parse a tool call's JSON arguments; the raw text when it is not valid JSON (the tool registry reports that). */
export function parseToolArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function stringifyToolArguments(args: unknown): string {
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

/**
 * The options every SDK-backed provider takes. `env` is checked as any object: `process.env` is not a plain
 * object, and `z.record()` refuses it.
 */
export const sdkProviderOptionFields = {
  apiKey: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  maxRetries: z.number().int().min(0).max(10).default(2),
  timeoutMs: z.number().int().positive().default(120_000),
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  env: z
    .custom<Readonly<Record<string, string | undefined>>>(
      (v) => typeof v === 'object' && v !== null,
      'expected an object of strings',
    )
    .optional(),
};
