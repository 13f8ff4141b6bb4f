import { useCallback, useEffect, useRef, useState } from 'react';
import { taskHref } from '../app/router.js';
import { navigate, useRoute } from '../app/use-route.js';
import { createThrottle, type Throttle } from './throttle.js';

/** The address follows the scrubber, but not on every pixel of a drag. */
const WRITE_MS = 300;

const parse = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : undefined;

/**
 * The replay time, kept in the address (`#/tasks/<id>?t=<epoch ms>`) so a moment of a task can be linked
 * to. The scrubber moves a local value at once and the address a few times a second; an address typed or
 * followed by a person moves the value.
 */
export function useReplayTime(id: string): { t: number | undefined; setT(t: number | undefined): void } {
  const route = useRoute();
  const param = route.page === 'task' && route.id === id ? route.query['t'] : undefined;
  const [t, setLocal] = useState(() => parse(param));
  const written = useRef(param);
  const latest = useRef(t);

  useEffect(() => {
    if (param === written.current) return;
    written.current = param;
    latest.current = parse(param);
    setLocal(parse(param));
  }, [param]);

  const throttle = useRef<Throttle | null>(null);
  useEffect(() => {
    const write = createThrottle(() => {
      const value = latest.current;
      const query = value === undefined ? undefined : String(Math.round(value));
      written.current = query;
      navigate(taskHref(id, query === undefined ? undefined : { t: query }), { replace: true });
    }, WRITE_MS);
    throttle.current = write;
    return () => {
      write.dispose();
      throttle.current = null;
    };
  }, [id]);

  const setT = useCallback((next: number | undefined) => {
    latest.current = next;
    setLocal(next);
    throttle.current?.call();
  }, []);
  return { t, setT };
}
