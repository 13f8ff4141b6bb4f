import { useEffect, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';

/** How long the button waits for the second click that confirms. */
const CONFIRM_MS = 4_000;

/**
 * Cancels the task. A cancel cannot be undone, so the first click arms the button and a second one within a
 * few seconds sends it; a key without `tasks:write` sees it disabled with the reason.
 */
export function CancelButton({ id, onCancelled }: { id: string; onCancelled(): void }) {
  const { client, can } = useTroupe();
  const [armed, setArmed] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string>();
  const allowed = can('tasks:write');

  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [armed]);

  const click = () => {
    if (!armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    setSending(true);
    setError(undefined);
    client.cancel(id, 'cancelled from the dashboard').then(
      () => {
        setSending(false);
        onCancelled();
      },
      (err: unknown) => {
        setSending(false);
        setError(describeError(err));
      },
    );
  };

  return (
    <span className="cancel">
      <button
        type="button"
        data-testid="cancel-button"
        className={armed ? 'btn btn-danger armed' : 'btn btn-danger'}
        disabled={!allowed || sending}
        title={
          allowed ? 'Cancel the task: its running steps are aborted' : 'This key lacks the tasks:write scope'
        }
        onClick={click}
      >
        {sending ? 'Cancelling…' : armed ? 'Click again to cancel' : 'Cancel task'}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
