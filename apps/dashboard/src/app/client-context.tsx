import type { FollowState, TroupeClient, WhoAmI } from '@troupe/client';
import { createContext, useCallback, useContext, useEffect, useId, useSyncExternalStore } from 'react';
import type { ConnectionState, ConnectionStore } from './connection.js';
import { hasScope, type Scope } from './scopes.js';

export interface Troupe {
  /** The signed-in client: a 401 from any of its calls or streams returns the page to sign-in. */
  client: TroupeClient;
  whoami: WhoAmI;
  /** Reports the state of the page's own stream to the header's indicator (see `useStreamState` for several). */
  setConnection(state: ConnectionState): void;
  /** Whether the key has the scope (`admin` has every one): parts it lacks are shown disabled. */
  can(scope: Scope): boolean;
  signOut(reason?: string | null): void;
  connection: ConnectionStore;
}

export const TroupeContext = createContext<Troupe | null>(null);

/** The source `setConnection` reports as; the shell forgets it when the route changes. */
export const PAGE_SOURCE = 'page';

export function TroupeProvider({
  client,
  whoami,
  connection,
  signOut,
  children,
}: {
  client: TroupeClient;
  whoami: WhoAmI;
  connection: ConnectionStore;
  signOut: (reason?: string | null) => void;
  children: React.ReactNode;
}) {
  const setConnection = useCallback(
    (state: ConnectionState) => connection.report(PAGE_SOURCE, state),
    [connection],
  );
  const can = useCallback((scope: Scope) => hasScope(whoami, scope), [whoami]);
  return (
    <TroupeContext value={{ client, whoami, setConnection, can, signOut, connection }}>
      {children}
    </TroupeContext>
  );
}

export function useTroupe(): Troupe {
  const troupe = useContext(TroupeContext);
  if (!troupe)
    throw new Error('useTroupe() is used outside <TroupeProvider>: render it inside the signed-in app');
  return troupe;
}

/**
 * An `onState` for one stream of a component: the header shows the worst state of all open streams. This
 * one stops counting when the component unmounts, or when called with null (the stream ended).
 */
export function useStreamState(name: string): (state: FollowState | null) => void {
  const { connection } = useTroupe();
  const source = `${name}:${useId()}`;
  useEffect(() => () => connection.forget(source), [connection, source]);
  return useCallback(
    (state: FollowState | null) =>
      state === null ? connection.forget(source) : connection.report(source, state),
    [connection, source],
  );
}

export function useConnectionState(connection: ConnectionStore): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}
