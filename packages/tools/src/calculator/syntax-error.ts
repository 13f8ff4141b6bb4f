import { ToolError, ToolsErrorCode } from '../errors.js';

/**
 * A mistake in an expression, with its 1-based position and a caret under it, so a model can fix the
 * expression: `Syntax error at position 7: expected ")" ...`.
 */
export function expressionError(
  source: string,
  index: number,
  problem: string,
  kind = 'Syntax error',
): ToolError {
  const position = Math.min(index, source.length) + 1;
  const caret = `${' '.repeat(Math.min(index, source.length))}^`;
  return new ToolError(
    ToolsErrorCode.InvalidArguments,
    `${kind} at position ${position}: ${problem}\n  ${source}\n  ${caret}`,
    {
      details: { position },
    },
  );
}
