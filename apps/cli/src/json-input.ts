import { CliError, CliErrorCode } from './errors.js';

/** Where a JSON text first goes wrong: 0-based offset, 1-based line and column, and what was found there. */
export interface JsonErrorLocation {
  position: number;
  line: number;
  column: number;
  problem: string;
}

/**
 * Finds the first syntax error of a JSON text. `JSON.parse` names a position only on some Node versions and
 * for some errors, so the CLI locates it itself with this small recursive-descent scan of the JSON grammar.
 * Returns undefined for valid JSON.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  class Stop extends Error {
    constructor(
      readonly at: number,
      readonly problem: string,
    ) {
      super(problem);
    }
  }
  const describe = (at: number) => (at >= text.length ? 'the end of the input' : JSON.stringify(text[at]));
  const fail = (expected: string): never => {
    throw new Stop(i, `expected ${expected} but found ${describe(i)}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    const found = text.slice(i, i + word.length);
    if (found !== word) throw new Stop(i, `expected ${word} but found ${JSON.stringify(found)}`);
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new Stop(i, 'the string is not closed (a " is missing)');
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch < ' ')
        throw new Stop(i, 'a control character (such as a line break) inside a string must be escaped');
      if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail('4 hex digits after \\u');
            }
          }
          i += 5;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc))
          fail('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)');
        i++;
        continue;
      }
      i++;
    }
  };
  const digits = () => {
    if (!/[0-9]/.test(text[i] ?? '')) fail('a digit');
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Stop(i, 'nesting is too deep');
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('":" after the property name');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('"," or "}"');
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('"," or "]"');
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && /[0-9]/.test(ch))) return number();
    fail('a value (object, array, string, number, true, false or null)');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('the end of the input');
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.at);
    const line = before.split('\n').length;
    const column = err.at - (before.lastIndexOf('\n') + 1) + 1;
    return { position: err.at, line, column, problem: err.problem };
  }
}

/** Parses a JSON flag's text; a mistake names the flag, the position, and points at it. */
export function parseJsonInput(text: string, flag = '--input'): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const at = locateJsonError(text) ?? { position: 0, line: 1, column: 1, problem: String(cause) };
    const lineText = text.split('\n')[at.line - 1] ?? '';
    const pointer =
      lineText.length <= 120 ? `\n  ${lineText}\n  ${' '.repeat(Math.max(0, at.column - 1))}^` : '';
    throw new CliError(
      CliErrorCode.InvalidJson,
      `${flag} is not valid JSON: ${at.problem} at position ${at.position} (line ${at.line}, column ${at.column})${pointer}`,
      { cause, details: { flag, position: at.position, line: at.line, column: at.column } },
    );
  }
}
