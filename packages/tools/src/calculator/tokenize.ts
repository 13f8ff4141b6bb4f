import { expressionError } from './syntax-error.js';

export type Operator = '+' | '-' | '*' | '/' | '^' | '%';

export type Token =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'name'; name: string; pos: number }
  | { kind: 'operator'; op: Operator; pos: number }
  | { kind: '(' | ')' | ',' | 'end'; pos: number };

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SINGLE: Record<string, Token['kind'] | Operator> = {
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '^': '^',
  '%': '%',
  '(': '(',
  ')': ')',
  ',': ',',
};

/** Splits an arithmetic expression into tokens; `**` is read as `^`. Ends with an `end` token. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[\d.]/.test(ch)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(source);
      if (!m) throw expressionError(source, i, `"${ch}" does not start a number`);
      tokens.push({ kind: 'number', value: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      NAME.lastIndex = i;
      const m = NAME.exec(source) as RegExpExecArray;
      tokens.push({ kind: 'name', name: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (ch === '*' && source[i + 1] === '*') {
      tokens.push({ kind: 'operator', op: '^', pos: i });
      i += 2;
      continue;
    }
    const single = SINGLE[ch];
    if (single === undefined) throw expressionError(source, i, `unexpected character "${ch}"`);
    if (single === '(' || single === ')' || single === ',') tokens.push({ kind: single, pos: i });
    else tokens.push({ kind: 'operator', op: single as Operator, pos: i });
    i++;
  }
  tokens.push({ kind: 'end', pos: source.length });
  return tokens;
}
