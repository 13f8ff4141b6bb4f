import type { z } from 'zod';
import { ToolError, ToolsErrorCode } from './errors.js';
import { formatPath } from './format-issues.js';

/** Validates the options of a factory; the error names the option at fault: `createX: option "folders[0]": ...`. */
export function parseOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  value: unknown,
  where: string,
): z.output<TSchema> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `option "${formatPath(issue.path)}": ${issue.message}`);
  throw new ToolError(ToolsErrorCode.InvalidOptions, `${where}: ${lines.join('; ')}`, {
    cause: result.error,
  });
}
