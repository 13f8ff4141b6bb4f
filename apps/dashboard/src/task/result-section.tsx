import type { Task, TaskResult } from '@troupe/client';
import { lazy, Suspense, useMemo } from 'react';
import { formatCount } from '../lib/format.js';
import { resultView } from '../views/safe-markdown.js';

// The Markdown renderer is a fifth of the page's code and only a final task needs it: loaded then, so a
// running task's trace shows sooner.
const ResultMarkdown = lazy(() =>
  import('./result-markdown.js').then((m) => ({ default: m.ResultMarkdown })),
);

/** The final result: a report's document rendered from Markdown with its citations, else the result as JSON. */
export function ResultSection({
  task,
  result,
  error,
  onRetry,
}: {
  task: Task;
  result: TaskResult | undefined;
  error: string | undefined;
  onRetry(): void;
}) {
  const view = useMemo(() => resultView(result?.result), [result]);
  return (
    <section className="result panel" data-testid="result" data-status={task.status} aria-label="Result">
      <div className="section-head">
        <h2>Result</h2>
        {task.status !== 'completed' && <span className="muted">partial: the task {task.status}</span>}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}{' '}
          <button type="button" className="btn btn-small" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
      {!result && !error && <p className="muted">Loading the result…</p>}
      {view.document !== undefined && (
        <Suspense fallback={<p className="muted">Rendering the result…</p>}>
          <ResultMarkdown markdown={view.document} />
        </Suspense>
      )}
      {view.documentLength !== undefined && (
        <p className="muted">
          The document has {formatCount(view.documentLength)} characters; the first{' '}
          {formatCount(view.document?.length ?? 0)} are shown.
        </p>
      )}
      {view.document === undefined && view.title !== undefined && <h3>{view.title}</h3>}
      {view.json !== undefined && <pre className="result-json">{view.json}</pre>}
      {view.citations.length > 0 && (
        <>
          <h3>Citations</h3>
          <ol className="citations" data-testid="citations">
            {view.citations.map((c, i) => (
              <li key={i} value={c.id}>
                {c.href ? (
                  <a href={c.href} target="_blank" rel="noopener noreferrer nofollow">
                    {c.title}
                  </a>
                ) : (
                  <span>{c.title}</span>
                )}
                {c.source !== c.title && <span className="muted citation-source"> {c.source}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
