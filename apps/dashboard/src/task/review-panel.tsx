import type { ReviewDecision, Task } from '@troupe/client';
import { useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';
import { formatAge, formatClock } from '../lib/format.js';

const DECISIONS: ReadonlyArray<{ decision: ReviewDecision; label: string; hint: string }> = [
  { decision: 'approve', label: 'Approve', hint: 'Accept the draft: the task completes' },
  { decision: 'revise', label: 'Ask for a revision', hint: 'Send the draft back with your notes' },
  { decision: 'reject', label: 'Reject', hint: 'The task fails as rejected' },
];

/**
 * For a task parked for a person: what the reviewer said, notes, and approve / revise / reject. A key
 * without the `review` scope sees it disabled with the reason.
 */
export function ReviewPanel({ task, now, onDecided }: { task: Task; now: number; onDecided(): void }) {
  const { client, can } = useTroupe();
  const [notes, setNotes] = useState('');
  const [sending, setSending] = useState<ReviewDecision>();
  const [sent, setSent] = useState<ReviewDecision>();
  const [error, setError] = useState<string>();
  const allowed = can('review');
  const pending = task.review?.pending;
  const last = task.review?.last;

  const decide = (decision: ReviewDecision) => {
    setSending(decision);
    setError(undefined);
    const text = notes.trim();
    client.review(task.id, decision, text === '' ? undefined : text).then(
      () => {
        setSending(undefined);
        setSent(decision);
        onDecided();
      },
      (err: unknown) => {
        setSending(undefined);
        setError(describeError(err));
      },
    );
  };

  return (
    <section className="review-panel panel" data-testid="review-panel" aria-label="Review">
      <h2>Waiting for your review</h2>
      {pending && (
        <p>
          Step <code>{pending.stepKey}</code> has waited since {formatClock(pending.since)}
          {now - pending.since >= 1_000 && <> ({formatAge(now - pending.since)})</>}; without a decision by{' '}
          {formatClock(pending.deadline)} the review-timeout policy decides.
        </p>
      )}
      {last && (
        <div className="review-last">
          <p>
            The reviewer ({last.by}) said <strong>{last.verdict}</strong> with confidence{' '}
            {last.confidence.toFixed(2)}
            {last.rounds > 0 && (
              <>
                {' '}
                after {last.rounds} round{last.rounds === 1 ? '' : 's'}
              </>
            )}
            .
          </p>
          {last.notes.length > 0 && (
            <ul>
              {last.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {!allowed && (
        <p className="muted" role="note">
          This key lacks the <code>review</code> scope: it can watch the task but not decide.
        </p>
      )}
      <label className="review-notes">
        Notes for the drafter (optional)
        <textarea
          data-testid="review-notes"
          value={notes}
          onChange={(e) => setNotes(e.target.value)}
          rows={3}
          maxLength={10_000}
          disabled={!allowed || sent !== undefined}
        />
      </label>
      <div className="review-actions">
        {DECISIONS.map(({ decision, label, hint }) => (
          <button
            key={decision}
            type="button"
            data-testid={`review-${decision}`}
            className={
              decision === 'approve' ? 'btn btn-primary' : decision === 'reject' ? 'btn btn-danger' : 'btn'
            }
            title={allowed ? hint : 'This key lacks the review scope'}
            disabled={!allowed || sending !== undefined || sent !== undefined}
            onClick={() => decide(decision)}
          >
            {sending === decision ? 'Sending…' : label}
          </button>
        ))}
      </div>
      {sent && <p className="muted">Sent: {sent}. The task goes on as the supervisor applies it.</p>}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
