import { createClient, type TroupeClient, type WhoAmI } from '@troupe/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { apiBaseUrl } from './api-base.js';
import { REQUESTS, type ConnectionStore } from './connection.js';
import { describeError, isUnauthorized } from './describe-error.js';
import { guardClient } from './guard-client.js';
import { clearApiKey, readApiKey, saveApiKey } from './key-storage.js';

export type Session =
  | { kind: 'checking' }
  /** The API did not answer whoami; another try is due at `retryAt`. */
  | { kind: 'unreachable'; message: string; retryAt: number }
  /** `reason`: why (the API's 401 detail), null after signing out; `keyTried`: a key was refused. */
  | { kind: 'signed-out'; reason: string | null; keyTried: boolean }
  | { kind: 'signed-in'; client: TroupeClient; whoami: WhoAmI; keyed: boolean };

export interface SessionControls {
  session: Session;
  /** Checks the key with whoami; on success keeps it for the browser session. Resolves with why not. */
  signIn(apiKey: string): Promise<string | null>;
  signOut(reason?: string | null): void;
  retryNow(): void;
}

const RETRY_MS = [1_000, 2_000, 4_000, 8_000, 10_000];

/**
 * Who the page is: it asks whoami with the stored key (none at first: an open API on loopback needs
 * none). A 401 then, or from any later call or stream, shows the sign-in screen with the API's reason; an
 * API that cannot be reached is retried until it answers.
 */
export function useSession(connection: ConnectionStore): SessionControls {
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const active = useRef<TroupeClient | null>(null);
  const [attempt, setAttempt] = useState(0);
  const failures = useRef(0);

  const signOut = useCallback((reason: string | null = null) => {
    clearApiKey();
    active.current = null;
    setSession({ kind: 'signed-out', reason, keyTried: reason !== null });
  }, []);

  const makeClient = useCallback(
    (apiKey: string | null): TroupeClient => {
      const client: TroupeClient = guardClient(
        createClient({
          baseUrl: apiBaseUrl(window.location),
          ...(apiKey ? { apiKey } : {}),
          maxReconnects: Infinity,
        }),
        {
          // Only the signed-in client signs out: a refused key on the sign-in form just says why.
          onUnauthorized: (err) => {
            if (active.current === client) signOut(describeError(err));
          },
          onRequest: (outcome) => connection.report(REQUESTS, outcome === 'reached' ? 'live' : 'offline'),
        },
      );
      return client;
    },
    [connection, signOut],
  );

  useEffect(() => {
    const controller = new AbortController();
    const apiKey = readApiKey();
    const client = makeClient(apiKey);
    client.whoami({ signal: controller.signal }).then(
      (whoami) => {
        failures.current = 0;
        active.current = client;
        setSession({ kind: 'signed-in', client, whoami, keyed: apiKey !== null });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        if (isUnauthorized(err)) {
          if (apiKey !== null) clearApiKey();
          setSession({ kind: 'signed-out', reason: describeError(err), keyTried: apiKey !== null });
          return;
        }
        // Whatever answered (a proxy's 502, an API without NATS), the page cannot work yet.
        connection.report(REQUESTS, 'offline');
        const wait = RETRY_MS[Math.min(failures.current++, RETRY_MS.length - 1)]!;
        setSession({ kind: 'unreachable', message: describeError(err), retryAt: Date.now() + wait });
      },
    );
    return () => controller.abort();
  }, [attempt, makeClient, connection]);

  useEffect(() => {
    if (session.kind !== 'unreachable') return;
    const timer = setTimeout(() => setAttempt((n) => n + 1), Math.max(0, session.retryAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  const signIn = useCallback(
    async (apiKey: string): Promise<string | null> => {
      const client = makeClient(apiKey.trim());
      try {
        const whoami = await client.whoami();
        saveApiKey(apiKey.trim());
        active.current = client;
        setSession({ kind: 'signed-in', client, whoami, keyed: true });
        return null;
      } catch (err) {
        return describeError(err);
      }
    },
    [makeClient],
  );

  const retryNow = useCallback(() => {
    setSession({ kind: 'checking' });
    setAttempt((n) => n + 1);
  }, []);

  return { session, signIn, signOut, retryNow };
}
