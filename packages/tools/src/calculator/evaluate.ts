import { parseExpression, type Expr } from './parse.js';
import { expressionError } from './syntax-error.js';

export const CALCULATOR_CONSTANTS = { pi: Math.PI, e: Math.E } as const;

interface FunctionSpec {
  min: number;
  max: number;
  fn(args: number[]): number;
  check?(args: number[]): string | undefined;
}

const roundTo = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
};

export const CALCULATOR_FUNCTIONS: Record<string, FunctionSpec> = {
  sqrt: {
    min: 1,
    max: 1,
    fn: ([x = 0]) => Math.sqrt(x),
    check: ([x = 0]) => (x < 0 ? 'sqrt of a negative number' : undefined),
  },
  abs: { min: 1, max: 1, fn: ([x = 0]) => Math.abs(x) },
  min: { min: 1, max: Infinity, fn: (xs) => Math.min(...xs) },
  max: { min: 1, max: Infinity, fn: (xs) => Math.max(...xs) },
  round: {
    min: 1,
    max: 2,
    fn: ([x = 0, d = 0]) => roundTo(x, d),
    check: ([, d = 0]) =>
      Number.isInteger(d) && d >= 0 && d <= 15 ? undefined : 'round(x, digits) needs whole digits 0..15',
  },
  floor: { min: 1, max: 1, fn: ([x = 0]) => Math.floor(x) },
  ceil: { min: 1, max: 1, fn: ([x = 0]) => Math.ceil(x) },
  log: {
    min: 1,
    max: 2,
    fn: ([x = 0, base]) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)),
    check: ([x = 0, base]) =>
      x <= 0
        ? 'log of a number <= 0'
        : base !== undefined && (base <= 0 || base === 1)
          ? 'log base must be > 0 and not 1'
          : undefined,
  },
  ln: {
    min: 1,
    max: 1,
    fn: ([x = 0]) => Math.log(x),
    check: ([x = 0]) => (x <= 0 ? 'ln of a number <= 0' : undefined),
  },
  exp: { min: 1, max: 1, fn: ([x = 0]) => Math.exp(x) },
};

/**
 * Evaluates an arithmetic expression: `+ - * / ^ %`, parentheses, unary minus, the functions in
 * `CALCULATOR_FUNCTIONS` and the constants `pi`, `e`. No `eval`: a tokenizer, a Pratt parser and a tree walk.
 * The result is rounded to 15 significant digits, so `0.1 + 0.2` is `0.3`.
 */
export function evaluateExpression(source: string): number {
  const tree = parseExpression(source);
  const value = walk(tree, source);
  if (!Number.isFinite(value))
    throw expressionError(source, 0, 'the result is not a finite number', 'Math error');
  return Number(value.toPrecision(15));
}

function walk(node: Expr, source: string): number {
  const mathError = (problem: string) => expressionError(source, node.pos, problem, 'Math error');
  switch (node.type) {
    case 'number':
      return node.value;
    case 'name': {
      const key = node.name.toLowerCase();
      if (Object.hasOwn(CALCULATOR_CONSTANTS, key))
        return CALCULATOR_CONSTANTS[key as keyof typeof CALCULATOR_CONSTANTS];
      const asFunction = Object.hasOwn(CALCULATOR_FUNCTIONS, key)
        ? ` (${key} is a function: write ${key}(...))`
        : '';
      throw expressionError(source, node.pos, `unknown name "${node.name}"${asFunction}; constants: pi, e`);
    }
    case 'unary': {
      const v = walk(node.operand, source);
      return node.op === '-' ? -v : v;
    }
    case 'binary': {
      const a = walk(node.left, source);
      const b = walk(node.right, source);
      switch (node.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0) throw mathError('division by zero');
          return a / b;
        case '%':
          if (b === 0) throw mathError('modulo by zero');
          return a % b;
        case '^': {
          const r = a ** b;
          if (Number.isNaN(r)) throw mathError('a negative number to a fractional power');
          return r;
        }
      }
      throw mathError('unknown operator');
    }
    case 'call': {
      const key = node.name.toLowerCase();
      const spec = Object.hasOwn(CALCULATOR_FUNCTIONS, key) ? CALCULATOR_FUNCTIONS[key] : undefined;
      if (!spec) {
        throw expressionError(
          source,
          node.pos,
          `unknown function "${node.name}"; functions: ${Object.keys(CALCULATOR_FUNCTIONS).join(', ')}`,
        );
      }
      if (node.args.length < spec.min || node.args.length > spec.max) {
        const wanted =
          spec.max === Infinity
            ? `at least ${spec.min}`
            : spec.min === spec.max
              ? `${spec.min}`
              : `${spec.min} or ${spec.max}`;
        throw expressionError(
          source,
          node.pos,
          `${key}() takes ${wanted} argument(s), got ${node.args.length}`,
        );
      }
      const args = node.args.map((arg) => walk(arg, source));
      const problem = spec.check?.(args);
      if (problem) throw mathError(problem);
      return spec.fn(args);
    }
  }
}
