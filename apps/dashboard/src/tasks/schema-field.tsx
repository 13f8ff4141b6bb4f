import type { FieldValue, FormField } from '../lib/schema-form.js';

export interface SchemaFieldProps {
  field: FormField;
  value: FieldValue | undefined;
  error: string | undefined;
  onChange(value: FieldValue): void;
}

/** One input of the submit form, of the kind its schema asks for, named `input.<prop>`. */
export function SchemaField({ field, value, error, onChange }: SchemaFieldProps) {
  const id = `field-${field.name}`;
  const text = typeof value === 'string' ? value : '';
  const common = {
    id,
    name: field.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error || field.description ? `${id}-help` : undefined,
  };
  let control: React.ReactNode;
  switch (field.kind) {
    case 'checkbox':
      return (
        <div className="field field-check">
          <label>
            <input
              {...common}
              type="checkbox"
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
            />
            {field.label}
          </label>
          <Help id={`${id}-help`} field={field} error={error} />
        </div>
      );
    case 'textarea':
    case 'json':
      control = (
        <textarea
          {...common}
          rows={field.kind === 'json' ? 5 : 4}
          className={field.kind === 'json' ? 'mono' : undefined}
          spellCheck={field.kind !== 'json'}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'lines':
      control = (
        <textarea
          {...common}
          rows={3}
          placeholder="one per line"
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          inputMode={field.integer ? 'numeric' : 'decimal'}
          step={field.integer ? 1 : 'any'}
          min={field.min}
          max={field.max}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case 'select':
      control = (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          {(!field.required || text === '') && <option value="">{field.required ? 'Choose…' : '—'}</option>}
          {field.choices.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'text':
      control = <input {...common} type="text" value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    default:
      field.kind satisfies never;
  }
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {field.label}
        {field.required && (
          <span className="required" title="required">
            {' '}
            *
          </span>
        )}
      </label>
      {control}
      <Help id={`${id}-help`} field={field} error={error} />
    </div>
  );
}

function Help({ id, field, error }: { id: string; field: FormField; error: string | undefined }) {
  if (error) {
    return (
      <span id={id} className="field-error" data-field-error={field.name}>
        {error}
      </span>
    );
  }
  if (!field.description) return null;
  return (
    <span id={id} className="field-help">
      {field.description}
    </span>
  );
}
