import { isTroupeApiError, type WorkflowInfo } from '@troupe/client';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError, isForbidden } from '../app/describe-error.js';
import { readSessionValue, saveSessionValue } from '../app/key-storage.js';
import { taskHref } from '../app/router.js';
import { navigate } from '../app/use-route.js';
import {
  buildInput,
  fieldErrorsFromProblem,
  fieldsFromSchema,
  initialValues,
  type FieldError,
  type FieldValue,
} from '../lib/schema-form.js';
import { SchemaField } from './schema-field.js';

/** The workflow last submitted from this tab is offered first. */
const LAST_WORKFLOW = 'troupe.submitWorkflow';

type Workflows =
  { kind: 'loading' } | { kind: 'loaded'; list: WorkflowInfo[] } | { kind: 'failed'; message: string };

/** Submits a task: the form of the chosen workflow's input schema; on success opens the new task. */
export function SubmitForm({ onWorkflows }: { onWorkflows?: (names: string[]) => void }) {
  const { client, can } = useTroupe();
  const [workflows, setWorkflows] = useState<Workflows>({ kind: 'loading' });
  const [chosen, setChosen] = useState(() => readSessionValue(LAST_WORKFLOW));
  const choose = (name: string) => {
    setChosen(name);
    saveSessionValue(LAST_WORKFLOW, name);
  };

  useEffect(() => {
    if (!can('tasks:read')) return;
    let live = true;
    client.workflows().then(
      (list) => {
        if (!live) return;
        setWorkflows({ kind: 'loaded', list });
        onWorkflows?.(list.map((w) => w.name));
      },
      (err: unknown) => live && setWorkflows({ kind: 'failed', message: describeError(err) }),
    );
    return () => {
      live = false;
    };
  }, [client, can, onWorkflows]);

  const mayWrite = can('tasks:write');
  const list = workflows.kind === 'loaded' ? workflows.list : [];
  const workflow = list.find((w) => w.name === chosen) ?? list[0];

  return (
    <section className="panel submit-panel" aria-labelledby="submit-title">
      <h2 id="submit-title" className="panel-title">
        New task
      </h2>
      {!mayWrite && (
        <p className="note" data-testid="submit-disabled-note">
          This API key cannot submit tasks: it lacks the <code>tasks:write</code> scope.
        </p>
      )}
      {workflows.kind === 'loading' && !can('tasks:read') && (
        <p className="note">This API key cannot read workflows (no tasks:read scope).</p>
      )}
      {workflows.kind === 'failed' && <p className="error-text">{workflows.message}</p>}
      <WorkflowForm
        key={workflow?.name ?? ''}
        workflows={list}
        workflow={workflow}
        disabled={!mayWrite || !workflow}
        onChoose={choose}
      />
    </section>
  );
}

function WorkflowForm({
  workflows,
  workflow,
  disabled,
  onChoose,
}: {
  workflows: readonly WorkflowInfo[];
  workflow: WorkflowInfo | undefined;
  disabled: boolean;
  onChoose(name: string): void;
}) {
  const { client } = useTroupe();
  const fields = useMemo(() => (workflow ? fieldsFromSchema(workflow.inputSchema) : []), [workflow]);
  const [values, setValues] = useState<Record<string, FieldValue>>(() => initialValues(fields));
  const [humanReview, setHumanReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ detail: string; fields: FieldError[] } | null>(null);
  const fieldError = (name: string) => error?.fields.find((f) => f.name === name)?.message;
  const loose = error?.fields.filter((f) => f.name === null) ?? [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!workflow || disabled || busy) return;
    const built = buildInput(fields, values);
    if (!built.ok) {
      setError({ detail: 'Some fields need attention.', fields: built.errors });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const accepted = await client.submit(workflow.name, built.input, {
        ...(humanReview ? { options: { humanReview: 'always' as const } } : {}),
      });
      navigate(taskHref(accepted.id));
    } catch (err) {
      setBusy(false);
      setError({
        detail: isForbidden(err) ? `Not allowed: ${describeError(err)}` : describeError(err),
        fields: isTroupeApiError(err) ? fieldErrorsFromProblem(fields, err.problem?.errors) : [],
      });
    }
  };

  return (
    <form className="submit-form" data-testid="submit-form" onSubmit={submit} noValidate aria-busy={busy}>
      <fieldset disabled={disabled || busy}>
        <div className="field">
          <label className="field-label" htmlFor="submit-workflow">
            Workflow
          </label>
          <select
            id="submit-workflow"
            data-testid="submit-workflow"
            name="workflow"
            value={workflow?.name ?? ''}
            onChange={(e) => onChoose(e.target.value)}
          >
            {workflows.length === 0 && <option value="">—</option>}
            {workflows.map((w) => (
              <option key={w.name} value={w.name}>
                {w.name}
              </option>
            ))}
          </select>
          {workflow?.description && <span className="field-help">{workflow.description}</span>}
        </div>
        {fields.map((f) => (
          <SchemaField
            key={f.name}
            field={f}
            value={values[f.name]}
            error={fieldError(f.name)}
            onChange={(v) => setValues((before) => ({ ...before, [f.name]: v }))}
          />
        ))}
        <div className="field field-check">
          <label title="Every review step waits for a person, whatever the agent reviewer's confidence.">
            <input
              type="checkbox"
              data-testid="submit-human-review"
              name="options.humanReview"
              checked={humanReview}
              onChange={(e) => setHumanReview(e.target.checked)}
            />
            Ask a person to review
          </label>
        </div>
        {error && (
          <div className="submit-error" data-testid="submit-error" role="alert">
            <p>{error.detail}</p>
            {loose.length > 0 && (
              <ul>
                {loose.map((f) => (
                  <li key={f.message}>{f.message}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit" className="btn btn-primary" data-testid="submit-button">
          {busy ? 'Submitting…' : 'Submit task'}
        </button>
      </fieldset>
    </form>
  );
}
