import { describe, expect, it } from 'vitest';
import { createCalculatorTool } from '../builtins/calculator.js';
import { createToolRegistry } from '../registry.js';
import { evaluateExpression } from './evaluate.js';
import { parseExpression } from './parse.js';

describe('evaluateExpression', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['-(4 - 10)', 6],
    ['+5', 5],
    ['17 % 5', 2],
    ['-7 % 3', -1],
    ['0.1 + 0.2', 0.3],
    ['.5 * 4', 2],
    ['1.5e3 + 2E-1', 1500.2],
    ['sqrt(16) + abs(-3)', 7],
    ['min(4, 2, 8) + max(1, 9, 3)', 11],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(3.14159, 2)', 3.14],
    ['floor(2.7) + ceil(2.1)', 5],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['ln(e)', 1],
    ['exp(0)', 1],
    ['2 * pi', 6.28318530717959],
    ['PI', 3.14159265358979],
    ['sqrt(3^2 + 4^2) * (1 + 1) % 3', 1],
    ['  ( ( 7 ) )  ', 7],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression)).toBe(expected);
  });

  it('builds a tree with the expected precedence', () => {
    expect(parseExpression('1 + 2 * -3')).toEqual({
      type: 'binary',
      op: '+',
      pos: 2,
      left: { type: 'number', value: 1, pos: 0 },
      right: {
        type: 'binary',
        op: '*',
        pos: 6,
        left: { type: 'number', value: 2, pos: 4 },
        right: { type: 'unary', op: '-', pos: 8, operand: { type: 'number', value: 3, pos: 9 } },
      },
    });
  });

  it.each([
    ['2 * (3 + 4', 11, 'expected ")" to close "(" but found the end of the expression'],
    ['2 + * 3', 5, 'expected a number, a name or "(" but found "*"'],
    ['1 + 2)', 6, 'unexpected ")"'],
    ['2 3', 3, 'unexpected number 3 (write "*" to multiply)'],
    ['2pi', 2, 'unexpected "pi" (write "*" to multiply)'],
    ['4 $ 4', 3, 'unexpected character "$"'],
    ['', 1, 'the expression is empty'],
    ['max(1, 2', 9, 'expected ")" to close the arguments of max('],
    ['foo(2)', 1, 'unknown function "foo"'],
    ['x + 1', 1, 'unknown name "x"'],
    ['sqrt + 1', 1, 'unknown name "sqrt" (sqrt is a function: write sqrt(...))'],
    ['sqrt(1, 2)', 1, 'sqrt() takes 1 argument(s), got 2'],
    ['8 / (4 - 4)', 3, 'division by zero'],
    ['5 % 0', 3, 'modulo by zero'],
    ['sqrt(-1)', 1, 'sqrt of a negative number'],
    ['log(0)', 1, 'log of a number <= 0'],
    ['10 ^ 400', 1, 'the result is not a finite number'],
  ])('%j fails at position %d: %s', (expression, position, message) => {
    let error: unknown;
    try {
      evaluateExpression(expression);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENTS', details: { position } });
    expect((error as Error).message).toContain(`at position ${position}: ${message}`);
  });

  it('shows a caret under the mistake', () => {
    expect(() => evaluateExpression('1 + (2 *')).toThrow(
      'Syntax error at position 9: expected a number, a name or "(" but found the end of the expression\n  1 + (2 *\n          ^',
    );
  });

  it('refuses input that only eval would understand', () => {
    for (const hostile of ['process.exit(1)', 'constructor', '__proto__', 'Math.PI', '"1" + 1', '[1][0]']) {
      expect(() => evaluateExpression(hostile)).toThrow(/position/);
    }
  });

  it('survives deep nesting without overflowing the stack', () => {
    expect(() => evaluateExpression(`${'('.repeat(500)}1${')'.repeat(500)}`)).toThrow(/nested too deeply/);
    expect(evaluateExpression(`${'('.repeat(100)}1${')'.repeat(100)}`)).toBe(1);
  });
});

describe('calculator tool', () => {
  it('returns the result, and a mistake as INVALID_ARGUMENTS the model can fix', async () => {
    const registry = createToolRegistry([createCalculatorTool()]);
    expect(await registry.call('calculator', { expression: '(2 + 3) * sqrt(16) / 2 ^ 3' })).toMatchObject({
      ok: true,
      value: { expression: '(2 + 3) * sqrt(16) / 2 ^ 3', result: 2.5 },
    });
    const failed = await registry.call('calculator', { expression: '2 * (3 + 4' });
    expect(failed).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    expect(!failed.ok && failed.error.message).toMatch(/^Syntax error at position 11/);
  });
});
