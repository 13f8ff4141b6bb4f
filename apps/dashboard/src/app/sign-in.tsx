import { useState, type FormEvent } from 'react';

export interface SignInProps {
  /** Why sign-in is shown: the API's reason (a key refused, revoked), or null. */
  reason: string | null;
  /** True when a key was tried and refused (not just: none was given yet). */
  keyTried: boolean;
  signIn(apiKey: string): Promise<string | null>;
}

export function SignIn({ reason, keyTried, signIn }: SignInProps) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const shown = refused ?? reason;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (key.trim() === '' || busy) return;
    setBusy(true);
    const why = await signIn(key);
    setBusy(false);
    if (why !== null) setRefused(why);
  };

  return (
    <div className="signin">
      <form className="signin-card" data-testid="signin-form" onSubmit={submit} noValidate>
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Troupe
        </h1>
        <p className="muted">
          {keyTried || refused
            ? 'This API key was not accepted.'
            : 'This Troupe API needs an API key. It is kept for this browser tab only.'}
        </p>
        {shown && (
          <p className="signin-reason" data-testid="signin-reason" role="alert">
            {shown}
          </p>
        )}
        <label className="field">
          <span className="field-label">API key</span>
          <input
            data-testid="signin-key"
            type="password"
            name="apiKey"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <button
          data-testid="signin-submit"
          className="btn btn-primary"
          type="submit"
          disabled={busy || key.trim() === ''}
        >
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
