import {
  Buckets,
  HeartbeatSchema,
  type Bus,
  type Clock,
  type Heartbeat,
  type TimerHandle,
} from '@troupe/bus';
import type { FleetRates } from './fleet-rates.js';

/** The latest heartbeat per KV key of `troupe_agents`, as the watch has it. */
export type FleetHeartbeats = ReadonlyMap<string, Heartbeat>;
export type FleetListener = (heartbeats: FleetHeartbeats) => void;

export interface FleetWatcherOptions {
  bus: Bus;
  clock: Clock;
  rates: FleetRates;
  /** Listeners hear at least this often, so that a member whose heartbeats stopped turns stale. */
  refreshMs: number;
  /** Changes closer together than this reach listeners as one (default 1 s). */
  minIntervalMs?: number;
  /** A watch that failed starts again after this long (default 1 s). */
  retryMs?: number;
  /**
   * A heartbeat this old is dropped: a key that expired from the bucket (its process died) is not
   * announced by the watch.
   */
  forgetAfterMs: number;
  onError: (err: unknown) => void;
}

export interface FleetWatcher {
  /** Starts the watch for the first subscriber; the listener hears at once when the bucket was read. */
  subscribe(listener: FleetListener): () => void;
  readonly subscribers: number;
  /** Drops every subscriber and stops the watch. */
  close(): void;
}

/**
 * One watch of KV `troupe_agents` per API process, shared by every fleet stream: started for the first
 * subscriber and stopped after the last. Listeners hear the heartbeats once the stored ones are read, on a
 * change (at most once per `minIntervalMs`) and every `refreshMs`.
 */
export function createFleetWatcher(o: FleetWatcherOptions): FleetWatcher {
  const { clock } = o;
  const minIntervalMs = o.minIntervalMs ?? 1_000;
  const retryMs = o.retryMs ?? 1_000;
  const listeners = new Set<FleetListener>();
  const heartbeats = new Map<string, Heartbeat>();
  let abort: AbortController | undefined;
  let synced = false;
  let lastEmit = -Infinity;
  let changeTimer: TimerHandle | undefined;
  let refreshTimer: TimerHandle | undefined;
  let retryTimer: TimerHandle | undefined;

  const clear = (timer: TimerHandle | undefined) => {
    if (timer) clock.clearTimeout(timer);
    return undefined;
  };
  const tell = (listener: FleetListener) => {
    try {
      listener(heartbeats);
    } catch (err) {
      o.onError(err);
    }
  };
  const emit = () => {
    changeTimer = clear(changeTimer);
    refreshTimer = clear(refreshTimer);
    lastEmit = clock.now();
    for (const [key, heartbeat] of heartbeats) {
      if (lastEmit - heartbeat.at > o.forgetAfterMs) heartbeats.delete(key);
    }
    for (const listener of [...listeners]) tell(listener);
    if (abort) refreshTimer = clock.setTimeout(emit, o.refreshMs);
  };
  const changed = () => {
    if (!synced || changeTimer) return;
    const wait = lastEmit + minIntervalMs - clock.now();
    if (wait <= 0) emit();
    else changeTimer = clock.setTimeout(emit, wait);
  };

  const run = async (signal: AbortSignal) => {
    const kv = await o.bus.kv(Buckets.Agents, HeartbeatSchema);
    for await (const change of kv.watch('>', { signal })) {
      if (signal.aborted) return;
      switch (change.type) {
        case 'value':
          heartbeats.set(change.key, change.value);
          o.rates.record(change.key, change.value);
          changed();
          break;
        case 'deleted':
          heartbeats.delete(change.key);
          o.rates.forget(change.key);
          changed();
          break;
        case 'invalid':
          // A heartbeat of another version: not a member this API can describe.
          heartbeats.delete(change.key);
          break;
        case 'synced':
          synced = true;
          emit();
          break;
        default: {
          const never: never = change;
          throw new Error(`unknown KV change ${JSON.stringify(never)}`);
        }
      }
    }
  };

  const start = () => {
    retryTimer = undefined;
    const controller = new AbortController();
    abort = controller;
    const ended = (err?: unknown) => {
      if (controller.signal.aborted) return;
      stop();
      if (listeners.size > 0) retryTimer = clock.setTimeout(start, retryMs);
      o.onError(err ?? new Error('the watch of the agents bucket ended'));
    };
    run(controller.signal).then(() => ended(), ended);
  };
  const stop = () => {
    abort?.abort();
    abort = undefined;
    synced = false;
    heartbeats.clear();
    changeTimer = clear(changeTimer);
    refreshTimer = clear(refreshTimer);
    retryTimer = clear(retryTimer);
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!abort && !retryTimer) start();
      else if (synced) tell(listener);
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) stop();
      };
    },
    get subscribers() {
      return listeners.size;
    },
    close() {
      listeners.clear();
      stop();
    },
  };
}
