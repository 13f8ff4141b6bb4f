import type { FollowState } from '@troupe/client';

/** What the header shows: `live` once every open stream is, `offline` when the API cannot be reached. */
export type ConnectionState = FollowState | 'offline';

const RANK: Record<ConnectionState, number> = { live: 0, connecting: 1, reconnecting: 2, offline: 3 };

/** The worst of the sources' states; with no source, `live` (nothing is waiting). */
export function combineConnection(states: Iterable<ConnectionState>, browserOnline = true): ConnectionState {
  if (!browserOnline) return 'offline';
  let worst: ConnectionState = 'live';
  for (const s of states) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** The source that plain requests (not streams) report to. */
export const REQUESTS = 'requests';

export interface ConnectionStore {
  /** A source (a stream, `requests`) is now in this state. */
  report(source: string, state: ConnectionState): void;
  /** The source is gone (its stream closed with the page). */
  forget(source: string): void;
  setBrowserOnline(online: boolean): void;
  get(): ConnectionState;
  subscribe(listener: () => void): () => void;
}

/**
 * The connection state of the page, from every open stream's `onState` and the outcome of plain
 * requests. A request that could not reach the API marks the page offline until anything gets through
 * again: a request, or a stream going live.
 */
export function createConnectionStore(initial: ConnectionState = 'connecting'): ConnectionStore {
  const sources = new Map<string, ConnectionState>([[REQUESTS, initial]]);
  const listeners = new Set<() => void>();
  let online = true;
  let current = combineConnection(sources.values(), online);
  const update = () => {
    const next = combineConnection(sources.values(), online);
    if (next === current) return;
    current = next;
    for (const l of listeners) l();
  };
  return {
    report(source, state) {
      sources.set(source, state);
      if (state === 'live' && source !== REQUESTS && sources.get(REQUESTS) !== 'live')
        sources.set(REQUESTS, 'live');
      update();
    },
    forget(source) {
      if (source === REQUESTS || !sources.delete(source)) return;
      update();
    },
    setBrowserOnline(value) {
      online = value;
      update();
    },
    get: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
