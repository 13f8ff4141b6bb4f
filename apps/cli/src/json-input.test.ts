import { describe, expect, it } from 'vitest';
import { CliErrorCode, isCliError } from './errors.js';
import { locateJsonError, parseJsonInput } from './json-input.js';

describe('locateJsonError', () => {
  it('says nothing about valid JSON, whatever its shape', () => {
    for (const text of [
      '{}',
      '[]',
      ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]} ',
      '"s"',
      '0',
      '{"a":{"b":[]}}',
    ]) {
      expect(locateJsonError(text), text).toBeUndefined();
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it.each([
    ['{"question": }', 13, 1, 14, 'expected a value'],
    ['{question: "x"}', 1, 1, 2, 'a property name in double quotes'],
    ["{'question': 'x'}", 1, 1, 2, 'a property name in double quotes'],
    ['{"a": 1,}', 8, 1, 9, 'a property name'],
    ['{"a": 1 "b": 2}', 8, 1, 9, '"," or "}"'],
    ['[1, 2', 5, 1, 6, 'the end of the input'],
    ['{"a": "unterminated}', 20, 1, 21, 'not closed'],
    ['{\n  "a": tru\n}', 9, 2, 8, 'expected true but found "tru\\n"'],
    ['{"a": 01}', 7, 1, 8, '"," or "}"'],
    ['{} x', 3, 1, 4, 'expected the end of the input'],
    ['', 0, 1, 1, 'expected a value'],
  ])('%j fails at position %i (line %i, column %i)', (text, position, line, column, problem) => {
    const at = locateJsonError(text);
    expect(at).toMatchObject({ position, line, column });
    expect(at!.problem).toContain(problem);
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('parseJsonInput', () => {
  it('returns the value of valid JSON', () => {
    expect(parseJsonInput('{"question":"why?","maxSubQuestions":2}')).toEqual({
      question: 'why?',
      maxSubQuestions: 2,
    });
  });

  it('names the flag and the position, and points at it', () => {
    let caught: unknown;
    try {
      parseJsonInput('{"question": }', '--input');
    } catch (err) {
      caught = err;
    }
    expect(isCliError(caught, CliErrorCode.InvalidJson)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('--input is not valid JSON');
    expect(message).toContain('at position 13 (line 1, column 14)');
    expect(message).toContain('\n  {"question": }\n               ^');
  });
});
