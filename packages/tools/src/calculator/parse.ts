import { expressionError } from './syntax-error.js';
import { tokenize, type Operator, type Token } from './tokenize.js';

export type Expr =
  | { type: 'number'; value: number; pos: number }
  | { type: 'name'; name: string; pos: number }
  | { type: 'unary'; op: '+' | '-'; operand: Expr; pos: number }
  | { type: 'binary'; op: Operator; left: Expr; right: Expr; pos: number }
  | { type: 'call'; name: string; args: Expr[]; pos: number };

/** Left binding power of each infix operator; `^` is right-associative and binds tighter than unary minus. */
const INFIX: Record<Operator, number> = { '+': 10, '-': 10, '*': 20, '/': 20, '%': 20, '^': 40 };
const PREFIX_POWER = 30;
const MAX_DEPTH = 200;

/** Parses an arithmetic expression with a Pratt parser. Throws a `ToolError` that names the position of a mistake. */
export function parseExpression(source: string): Expr {
  const tokens = tokenize(source);
  let index = 0;
  let depth = 0;
  const peek = (): Token => tokens[index] as Token;
  const next = (): Token => tokens[index++] as Token;
  const describe = (t: Token): string => {
    switch (t.kind) {
      case 'end':
        return 'the end of the expression';
      case 'number':
        return `number ${source.slice(t.pos).match(/^[\d.eE+-]+/)?.[0] ?? t.value}`;
      case 'name':
        return `"${t.name}"`;
      case 'operator':
        return `"${t.op}"`;
      default:
        return `"${t.kind}"`;
    }
  };

  const expression = (minPower: number): Expr => {
    if (++depth > MAX_DEPTH) throw expressionError(source, peek().pos, 'expression is nested too deeply');
    let left = prefix();
    for (;;) {
      const t = peek();
      if (t.kind !== 'operator') break;
      const power = INFIX[t.op];
      if (power <= minPower) break;
      next();
      const right = expression(t.op === '^' ? power - 1 : power);
      left = { type: 'binary', op: t.op, left, right, pos: t.pos };
    }
    depth--;
    return left;
  };

  const prefix = (): Expr => {
    const t = next();
    switch (t.kind) {
      case 'number':
        return { type: 'number', value: t.value, pos: t.pos };
      case 'name': {
        if (peek().kind !== '(') return { type: 'name', name: t.name, pos: t.pos };
        next();
        const args: Expr[] = [];
        if (peek().kind !== ')') {
          for (;;) {
            args.push(expression(0));
            if (peek().kind !== ',') break;
            next();
          }
        }
        expect(')', `to close the arguments of ${t.name}(`);
        return { type: 'call', name: t.name, args, pos: t.pos };
      }
      case 'operator':
        if (t.op === '-' || t.op === '+') {
          return { type: 'unary', op: t.op, operand: expression(PREFIX_POWER), pos: t.pos };
        }
        throw expressionError(source, t.pos, `expected a number, a name or "(" but found ${describe(t)}`);
      case '(': {
        const inner = expression(0);
        expect(')', 'to close "("');
        return inner;
      }
      default:
        throw expressionError(source, t.pos, `expected a number, a name or "(" but found ${describe(t)}`);
    }
  };

  const expect = (kind: Token['kind'], why: string): void => {
    const t = peek();
    if (t.kind !== kind)
      throw expressionError(source, t.pos, `expected "${kind}" ${why} but found ${describe(t)}`);
    next();
  };

  if (peek().kind === 'end') throw expressionError(source, 0, 'the expression is empty');
  const tree = expression(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    const hint =
      rest.kind === 'number' || rest.kind === 'name' || rest.kind === '(' ? ' (write "*" to multiply)' : '';
    throw expressionError(source, rest.pos, `unexpected ${describe(rest)}${hint}`);
  }
  return tree;
}
