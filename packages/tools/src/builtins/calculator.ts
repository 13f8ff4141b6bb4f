import { z } from 'zod';
import { evaluateExpression } from '../calculator/evaluate.js';
import { defineTool } from '../define-tool.js';
import type { Tool } from '../tool.js';

const input = z.object({
  expression: z
    .string()
    .min(1)
    .max(1000)
    .describe(
      'An arithmetic expression, e.g. "(2 + 3) * sqrt(16) / 2 ^ 3". Operators + - * / ^ %; functions sqrt, abs, min, max, round, floor, ceil, log, ln, exp; constants pi, e.',
    ),
});

/** `calculator`: exact arithmetic for a model, which is bad at it. */
export function createCalculatorTool(): Tool<z.output<typeof input>, { expression: string; result: number }> {
  return defineTool({
    name: 'calculator',
    description:
      'Evaluates an arithmetic expression and returns the number. Use it for any calculation instead of computing in your head.',
    input,
    timeoutMs: 1_000,
    run: ({ expression }) => ({ expression, result: evaluateExpression(expression) }),
  });
}
