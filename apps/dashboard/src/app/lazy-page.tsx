import { lazy, Suspense, type ComponentType } from 'react';

/**
 * A page loaded when first opened (its chunk holds what only it needs: charts, graph layout, Markdown).
 * A page kept open across an API upgrade may ask for a chunk the new build no longer has: it says so
 * and offers a reload instead of breaking.
 */
export function lazyPage<TProps extends object>(
  load: () => Promise<ComponentType<TProps>>,
): ComponentType<TProps> {
  const Lazy = lazy((): Promise<{ default: ComponentType<TProps> }> =>
    load().then(
      (component) => ({ default: component }),
      (err: unknown) => ({ default: () => <ReloadNeeded error={err} /> }),
    ),
  );
  return function LazyPage(props: TProps) {
    return (
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <Lazy {...props} />
      </Suspense>
    );
  };
}

function ReloadNeeded({ error }: { error: unknown }) {
  return (
    <div className="banner banner-error" role="alert">
      This part of the dashboard could not be loaded ({error instanceof Error ? error.message : String(error)}
      ). The dashboard may have been updated since this page was opened.{' '}
      <button type="button" className="btn btn-small" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}
