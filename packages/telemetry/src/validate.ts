import type { z } from 'zod';
import { TelemetryError, TelemetryErrorCode } from './errors.js';

/** Validates options with a zod schema; the error names the function and the option at fault. */
export function parseOptions<T>(fn: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'options';
  throw new TelemetryError(
    TelemetryErrorCode.InvalidOptions,
    `${fn}: option "${path}" is invalid: ${issue?.message ?? result.error.message}`,
    { cause: result.error, details: { option: path } },
  );
}
