/**
 * A submit form from a workflow's input JSON Schema (as `GET /v1/workflows` gives it, from zod): one field
 * per top-level property, named `input.<prop>`. Strings become text inputs (a textarea when they may be
 * long), numbers number inputs, booleans checkboxes, enums selects, arrays of strings a textarea with one
 * item per line; anything else a JSON textarea. A schema without properties is one JSON field, `input`.
 */

type JsonSchema = Record<string, unknown>;

export type FieldKind = 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'lines' | 'json';
export type FieldValue = string | boolean;
export type FormValues = Readonly<Record<string, FieldValue>>;

export interface FieldChoice {
  /** The option's `value` attribute. */
  key: string;
  label: string;
  value: unknown;
}

export interface FormField {
  /** The input element's name: `input.<prop>`, or `input` for a whole-input JSON field. */
  name: string;
  /** The property, or null for the whole input. */
  prop: string | null;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string | undefined;
  /** For `select`. */
  choices: readonly FieldChoice[];
  integer: boolean;
  min: number | undefined;
  max: number | undefined;
  maxLength: number | undefined;
  defaultValue: FieldValue;
}

export interface FieldError {
  /** A field's name, or null for an error that names no field. */
  name: string | null;
  message: string;
}

/** Strings that may be longer than this get a textarea. */
const LONG_TEXT = 200;

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) against the root schema. */
function resolve(schema: unknown, root: JsonSchema, depth = 0): JsonSchema {
  if (!isObject(schema)) return {};
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || depth > 8) return schema;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match ? root[match[1]!] : undefined;
  const target = match && isObject(defs) ? defs[decodeURIComponent(match[2]!)] : undefined;
  return resolve(target, root, depth + 1);
}

/** `{ anyOf: [X, { type: 'null' }] }` and `type: ['x', 'null']` are X for a form. */
function unwrapNullable(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const variants = (schema['anyOf'] ?? schema['oneOf']) as unknown;
  if (Array.isArray(variants)) {
    const real = variants.map((v) => resolve(v, root)).filter((v) => v['type'] !== 'null');
    if (real.length === 1) return { ...schema, ...real[0], anyOf: undefined, oneOf: undefined };
  }
  const type = schema['type'];
  if (Array.isArray(type)) {
    const real = type.filter((t) => t !== 'null');
    if (real.length === 1) return { ...schema, type: real[0] };
  }
  return schema;
}

/** The allowed values of an `enum`, a `const`, or an `anyOf` of consts; undefined when the schema is open. */
function enumValues(schema: JsonSchema, root: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[];
  if ('const' in schema) return [schema['const']];
  const variants = (schema['anyOf'] ?? schema['oneOf']) as unknown;
  if (Array.isArray(variants) && variants.length > 0) {
    const consts = variants.map((v) => resolve(v, root));
    if (consts.every((v) => 'const' in v)) return consts.map((v) => v['const']);
  }
  return undefined;
}

export function humanize(prop: string): string {
  const words = prop
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function kindOf(schema: JsonSchema, choices: unknown[] | undefined): FieldKind {
  if (choices) return 'select';
  switch (schema['type']) {
    case 'string':
      return (num(schema['maxLength']) ?? 0) > LONG_TEXT ? 'textarea' : 'text';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'checkbox';
    case 'array': {
      const items = isObject(schema['items']) ? schema['items'] : {};
      return items['type'] === 'string' ? 'lines' : 'json';
    }
    default:
      return 'json';
  }
}

function defaultFor(kind: FieldKind, value: unknown, choices: readonly FieldChoice[]): FieldValue {
  if (value === undefined) return kind === 'checkbox' ? false : '';
  switch (kind) {
    case 'checkbox':
      return value === true;
    case 'select':
      return choices.find((c) => Object.is(c.value, value))?.key ?? '';
    case 'lines':
      return Array.isArray(value) ? value.map(String).join('\n') : '';
    case 'json':
      return JSON.stringify(value, null, 2);
    default:
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  }
}

const WHOLE_INPUT: FormField = {
  name: 'input',
  prop: null,
  label: 'Input (JSON)',
  kind: 'json',
  required: true,
  description: 'This workflow publishes no input schema: write the input as JSON.',
  choices: [],
  integer: false,
  min: undefined,
  max: undefined,
  maxLength: undefined,
  defaultValue: '{}',
};

export function fieldsFromSchema(schema: Record<string, unknown> | null | undefined): FormField[] {
  if (!isObject(schema)) return [WHOLE_INPUT];
  const root = unwrapNullable(resolve(schema, schema), schema);
  const properties = root['properties'];
  if (root['type'] !== 'object' || !isObject(properties) || Object.keys(properties).length === 0) {
    return [WHOLE_INPUT];
  }
  const required = new Set(Array.isArray(root['required']) ? (root['required'] as unknown[]) : []);
  return Object.entries(properties).map(([prop, raw]): FormField => {
    const s = unwrapNullable(resolve(raw, schema), schema);
    const values = enumValues(s, schema);
    const kind = kindOf(s, values);
    const choices = (values ?? []).map((value) => ({
      key: typeof value === 'string' ? value : JSON.stringify(value),
      label: typeof value === 'string' ? value : JSON.stringify(value),
      value,
    }));
    return {
      name: `input.${prop}`,
      prop,
      label: typeof s['title'] === 'string' ? s['title'] : humanize(prop),
      kind,
      required: required.has(prop),
      description: typeof s['description'] === 'string' ? s['description'] : undefined,
      choices,
      integer: s['type'] === 'integer',
      min: num(s['minimum']),
      max: num(s['maximum']),
      maxLength: num(s['maxLength']),
      defaultValue: defaultFor(kind, s['default'], choices),
    };
  });
}

export function initialValues(fields: readonly FormField[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((f) => [f.name, f.defaultValue]));
}

/** What one field contributes: a value, nothing (an empty optional field), or why it cannot. */
type Parsed = { value: unknown } | { error: string } | null;

function parseField(field: FormField, raw: FieldValue | undefined): Parsed {
  if (field.kind === 'checkbox') return { value: raw === true };
  const text = typeof raw === 'string' ? raw : '';
  if (text.trim() === '') return field.required ? { error: 'required' } : null;
  switch (field.kind) {
    case 'number': {
      const n = Number(text.trim());
      if (!Number.isFinite(n)) return { error: 'not a number' };
      if (field.integer && !Number.isInteger(n)) return { error: 'must be a whole number' };
      if (field.min !== undefined && n < field.min) return { error: `at least ${field.min}` };
      if (field.max !== undefined && n > field.max) return { error: `at most ${field.max}` };
      return { value: n };
    }
    case 'select': {
      const choice = field.choices.find((c) => c.key === text);
      return choice ? { value: choice.value } : { error: 'pick one of the options' };
    }
    case 'lines':
      return {
        value: text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      };
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch (err) {
        return { error: `not valid JSON (${(err as Error).message})` };
      }
    default:
      if (field.maxLength !== undefined && text.length > field.maxLength) {
        return { error: `at most ${field.maxLength} characters` };
      }
      return { value: text };
  }
}

/** The task input the form's values stand for, or the fields that are not right yet. */
export function buildInput(
  fields: readonly FormField[],
  values: FormValues,
): { ok: true; input: unknown } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const input: Record<string, unknown> = {};
  let whole: unknown;
  for (const field of fields) {
    const parsed = parseField(field, values[field.name]);
    if (parsed === null) continue;
    if ('error' in parsed) errors.push({ name: field.name, message: parsed.error });
    else if (field.prop === null) whole = parsed.value;
    else input[field.prop] = parsed.value;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, input: fields.some((f) => f.prop === null) ? whole : input };
}

/**
 * Places a validation problem's `errors` (`{ path: 'input.criteria[0]', message }`) on the form's fields;
 * the ones that name no field (`workflow`, `options.…`) come back with `name: null`.
 */
export function fieldErrorsFromProblem(
  fields: readonly FormField[],
  issues: ReadonlyArray<{ path: string; message: string }> | undefined,
): FieldError[] {
  const names = new Set(fields.map((f) => f.name));
  return (issues ?? []).map(({ path, message }): FieldError => {
    const prop = /^input\.([^.[]+)/.exec(path)?.[1];
    if (prop !== undefined && names.has(`input.${prop}`)) {
      const rest = path.slice(`input.${prop}`.length).replace(/^\./, '');
      return { name: `input.${prop}`, message: rest ? `${rest}: ${message}` : message };
    }
    if (/^input(?:$|[.[])/.test(path) && names.has('input'))
      return { name: 'input', message: `${path}: ${message}` };
    return { name: null, message: path ? `${path}: ${message}` : message };
  });
}
