import {
  isTerminalEventType,
  isTroupeApiError,
  type Task,
  type TaskEvent,
  type TraceSpan,
  type WorkflowInfo,
} from '@troupe/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTroupe } from '../app/client-context.js';
import { describeError } from '../app/describe-error.js';
import { useLiveStream, type StreamOpener } from '../app/use-live-stream.js';
import { isOpenSpan, mergeSpan } from '../views/waterfall.js';
import { createThrottle, type Throttle } from './throttle.js';

/** Task fetches while events pour in: at most one per this interval, the last never skipped. */
const REFRESH_MS = 250;

export interface TaskLive {
  task: Task | undefined;
  /** Loading the task failed (not found, no access, API down). */
  loadError: string | undefined;
  workflows: WorkflowInfo[] | undefined;
  /** Progress events in stream order, each once. */
  events: readonly TaskEvent[];
  /** The event stream reached the task's final event. */
  eventsDone: boolean;
  streamError: string | undefined;
  /** Every span known, by id (a `started` marker until its `ended` record comes); grows in place. */
  spans: ReadonlyMap<string, TraceSpan>;
  /** Changes whenever `spans` did: the key for memoised views of it. */
  spanVersion: number;
  openSpans: number;
  /** Fetches the task again (throttled). */
  refresh(): void;
}

/**
 * One task followed live: the task record, its event stream and its span stream. Events and spans are taken in
 * once per animation frame (useLiveStream), so a 10,000-span trace arriving at once costs a few renders, not
 * 10,000; every batch of events fetches the task again (throttled), since events are what change it.
 * Mount it under a `key` of the task id: it keeps no state across tasks.
 */
export function useTaskLive(id: string): TaskLive {
  const { client } = useTroupe();
  const [task, setTask] = useState<Task>();
  const [loadError, setLoadError] = useState<string>();
  const [workflows, setWorkflows] = useState<WorkflowInfo[]>();
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [spanVersion, setSpanVersion] = useState(0);
  const [spans] = useState(() => new Map<string, TraceSpan>());
  const open = useRef(0);
  const [seen] = useState(() => new Set<string>());
  const throttle = useRef<Throttle | null>(null);

  useEffect(() => {
    let stopped = false;
    let asked = 0;
    let shown = 0;
    const controller = new AbortController();
    const load = () => {
      const mine = ++asked;
      client.get(id, { signal: controller.signal }).then(
        (t) => {
          if (stopped || mine < shown) return;
          shown = mine;
          setTask(t);
          setLoadError(undefined);
        },
        (err: unknown) => {
          if (stopped) return;
          // Another tenant's task answers 404 like a missing one: say both.
          setLoadError(
            isTroupeApiError(err) && err.status === 404
              ? 'not found, or not visible to this key.'
              : describeError(err),
          );
        },
      );
    };
    const t = createThrottle(load, REFRESH_MS);
    throttle.current = t;
    t.call();
    client.workflows().then(
      (list) => !stopped && setWorkflows(list),
      () => !stopped && setWorkflows([]),
    );
    return () => {
      stopped = true;
      controller.abort();
      t.dispose();
      throttle.current = null;
    };
  }, [client, id]);

  const openEvents = useCallback<StreamOpener<TaskEvent>>(
    (o) => {
      const stream = client.events(id, o);
      return (async function* () {
        for await (const m of stream) yield m.event;
      })();
    },
    [client, id],
  );
  const eventStream = useLiveStream<TaskEvent>({
    name: 'task-events',
    open: openEvents,
    onBatch: (items) => {
      // Events are read once by id (a re-run step may store some twice); one without an id is always new.
      const fresh = items.filter((e) => e.id === undefined || (!seen.has(e.id) && (seen.add(e.id), true)));
      if (fresh.length === 0) return;
      setEvents((before) => [...before, ...fresh]);
      throttle.current?.call();
    },
  });

  const openSpans = useCallback<StreamOpener<TraceSpan>>(
    (o) => {
      const stream = client.spans(id, o);
      return (async function* () {
        for await (const m of stream) yield m.span;
      })();
    },
    [client, id],
  );
  const spanStream = useLiveStream<TraceSpan>({
    name: 'task-spans',
    open: openSpans,
    onBatch: (items) => {
      let changed = false;
      for (const span of items) {
        const before = spans.get(span.spanId);
        if (!mergeSpan(spans, span)) continue;
        changed = true;
        open.current += (isOpenSpan(span) ? 1 : 0) - (before && isOpenSpan(before) ? 1 : 0);
      }
      if (changed) setSpanVersion((v) => v + 1);
    },
  });

  const streamError = eventStream.error ?? spanStream.error;
  const refresh = useCallback(() => throttle.current?.call(), []);
  return {
    task,
    loadError,
    workflows,
    events,
    eventsDone: events.some((e) => isTerminalEventType(e.type)),
    streamError: streamError ? describeError(streamError) : undefined,
    spans,
    spanVersion,
    openSpans: open.current,
    refresh,
  };
}
