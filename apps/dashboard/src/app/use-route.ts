import { useMemo, useSyncExternalStore } from 'react';
import { parseRoute, type Route } from './router.js';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('hashchange', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('hashchange', listener);
  };
}

const currentHash = () => window.location.hash;

/** The route of the current hash; re-renders on every change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, currentHash);
  return useMemo(() => parseRoute(hash), [hash]);
}

/**
 * Goes to `href` (`#/tasks/…`). `replace` rewrites the current history entry instead (filters typed into
 * the tasks page do not each become a Back step); replaceState fires no hashchange, so listeners are told.
 */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === window.location.hash) return;
  if (options.replace) {
    window.history.replaceState(window.history.state, '', href);
    for (const listener of listeners) listener();
  } else {
    window.location.hash = href;
  }
}
