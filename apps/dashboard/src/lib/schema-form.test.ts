import { describe, expect, it } from 'vitest';
import {
  buildInput,
  fieldErrorsFromProblem,
  fieldsFromSchema,
  humanize,
  initialValues,
} from './schema-form.js';

/** The `report` workflow's input schema as GET /v1/workflows gives it (zod → JSON Schema). */
const REPORT = {
  type: 'object',
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 4000 },
    maxSubQuestions: { type: 'integer', minimum: 1, maximum: 12 },
    criteria: {
      minItems: 1,
      maxItems: 12,
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 500 },
    },
  },
  required: ['question'],
};

describe('fieldsFromSchema', () => {
  it('makes one field per top-level property, named input.<prop>, of the kind its type asks for', () => {
    const fields = fieldsFromSchema({
      type: 'object',
      properties: {
        question: { type: 'string', maxLength: 4000 },
        label: { type: 'string' },
        depth: { type: 'number', default: 2 },
        strict: { type: 'boolean', default: true },
        tone: { type: 'string', enum: ['plain', 'formal'] },
        tags: { type: 'array', items: { type: 'string' } },
        extra: { type: 'object', properties: { a: { type: 'string' } } },
      },
      required: ['question', 'tone'],
    });
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['input.question', 'textarea', true],
      ['input.label', 'text', false],
      ['input.depth', 'number', false],
      ['input.strict', 'checkbox', false],
      ['input.tone', 'select', true],
      ['input.tags', 'lines', false],
      ['input.extra', 'json', false],
    ]);
    expect(fields.find((f) => f.name === 'input.tone')!.choices.map((c) => c.key)).toEqual([
      'plain',
      'formal',
    ]);
    expect(initialValues(fields)).toMatchObject({
      'input.depth': '2',
      'input.strict': true,
      'input.question': '',
    });
  });

  it('reads the report workflow: a long question, a bounded integer, criteria one per line', () => {
    const fields = fieldsFromSchema(REPORT);
    expect(fields.map((f) => [f.name, f.kind, f.label])).toEqual([
      ['input.question', 'textarea', 'Question'],
      ['input.maxSubQuestions', 'number', 'Max sub questions'],
      ['input.criteria', 'lines', 'Criteria'],
    ]);
    const max = fields[1]!;
    expect([max.integer, max.min, max.max]).toEqual([true, 1, 12]);
  });

  it('follows local $refs and looks through nullable wrappers and const unions', () => {
    const fields = fieldsFromSchema({
      type: 'object',
      $defs: { Mode: { anyOf: [{ const: 'fast' }, { const: 'deep' }] } },
      properties: {
        mode: { $ref: '#/$defs/Mode' },
        note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        count: { type: ['integer', 'null'] },
      },
    });
    expect(fields.map((f) => f.kind)).toEqual(['select', 'text', 'number']);
    expect(fields[0]!.choices.map((c) => c.value)).toEqual(['fast', 'deep']);
  });

  it('falls back to one JSON field for the whole input when there is no object schema', () => {
    for (const schema of [null, undefined, { type: 'string' }, { type: 'object' }]) {
      expect(fieldsFromSchema(schema as Record<string, unknown> | null).map((f) => [f.name, f.kind])).toEqual(
        [['input', 'json']],
      );
    }
  });

  it('labels camelCase and snake_case properties in words', () => {
    expect(humanize('maxSubQuestions')).toBe('Max sub questions');
    expect(humanize('top_k')).toBe('Top k');
  });
});

describe('buildInput', () => {
  const fields = fieldsFromSchema(REPORT);

  it('turns the values into the task input, leaving out empty optional fields', () => {
    expect(
      buildInput(fields, {
        'input.question': 'Why?',
        'input.maxSubQuestions': ' 3 ',
        'input.criteria': 'cited\n\n  short \n',
      }),
    ).toEqual({ ok: true, input: { question: 'Why?', maxSubQuestions: 3, criteria: ['cited', 'short'] } });
    expect(
      buildInput(fields, { 'input.question': 'Why?', 'input.maxSubQuestions': '', 'input.criteria': '  ' }),
    ).toEqual({
      ok: true,
      input: { question: 'Why?' },
    });
  });

  it('names the fields that are not right yet', () => {
    const result = buildInput(fields, { 'input.question': '   ', 'input.maxSubQuestions': '2.5' });
    expect(result).toEqual({
      ok: false,
      errors: [
        { name: 'input.question', message: 'required' },
        { name: 'input.maxSubQuestions', message: 'must be a whole number' },
      ],
    });
    expect(buildInput(fields, { 'input.question': 'q', 'input.maxSubQuestions': '40' })).toMatchObject({
      ok: false,
      errors: [{ name: 'input.maxSubQuestions', message: 'at most 12' }],
    });
  });

  it('keeps checkboxes and enum values typed, and parses JSON fields', () => {
    const typed = fieldsFromSchema({
      type: 'object',
      properties: {
        strict: { type: 'boolean' },
        level: { enum: [1, 2, 3] },
        extra: { type: 'object' },
      },
    });
    expect(
      buildInput(typed, { 'input.strict': false, 'input.level': '2', 'input.extra': '{"a":1}' }),
    ).toEqual({
      ok: true,
      input: { strict: false, level: 2, extra: { a: 1 } },
    });
    expect(buildInput(typed, { 'input.extra': '{a' })).toMatchObject({
      ok: false,
      errors: [{ name: 'input.extra', message: expect.stringMatching(/^not valid JSON/) }],
    });
    const whole = fieldsFromSchema(null);
    expect(buildInput(whole, { input: '{"question":"q"}' })).toEqual({ ok: true, input: { question: 'q' } });
  });
});

describe('fieldErrorsFromProblem', () => {
  it("puts the API's field issues on the fields they name, the rest apart", () => {
    const fields = fieldsFromSchema(REPORT);
    expect(
      fieldErrorsFromProblem(fields, [
        { path: 'input.question', message: 'Too small' },
        { path: 'input.criteria[0]', message: 'Too small' },
        { path: 'options.humanReview', message: 'Invalid option' },
        { path: 'input', message: 'required' },
      ]),
    ).toEqual([
      { name: 'input.question', message: 'Too small' },
      { name: 'input.criteria', message: '[0]: Too small' },
      { name: null, message: 'options.humanReview: Invalid option' },
      { name: null, message: 'input: required' },
    ]);
    expect(
      fieldErrorsFromProblem(fieldsFromSchema(null), [{ path: 'input.question', message: 'Required' }]),
    ).toEqual([{ name: 'input', message: 'input.question: Required' }]);
    expect(fieldErrorsFromProblem(fields, undefined)).toEqual([]);
  });
});
