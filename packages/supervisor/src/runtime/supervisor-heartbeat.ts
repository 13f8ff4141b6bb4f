import { hostname } from 'node:os';
import {
  Buckets,
  HeartbeatSchema,
  type Bus,
  type Clock,
  type Heartbeat,
  type TimerHandle,
} from '@troupe/bus';

/** A supervisor's heartbeat key in KV `troupe_agents`: agent ids hold no dot, so no agent's key looks like it. */
export const supervisorHeartbeatKey = (memberId: string): string => `supervisor.${memberId}`;

/** A supervisor id as a heartbeat carries it (letters, digits, `-`, `_`): a host name may hold dots. */
export const supervisorMemberId = (supervisorId: string): string =>
  supervisorId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);

export interface SupervisorHeartbeatOptions {
  bus: Bus;
  clock: Clock;
  supervisorId: string;
  concurrency: number;
  version: string;
  intervalMs: number;
  /** Task events applied since the process started. */
  handled: () => number;
  onError: (err: unknown, context: string) => void;
}

export interface SupervisorHeartbeat {
  readonly key: string;
  /** Wraps a message handler so the heartbeat counts it in flight while it runs. */
  track<TArgs extends unknown[], TResult>(
    fn: (...args: TArgs) => Promise<TResult>,
  ): (...args: TArgs) => Promise<TResult>;
  /** Says `draining` at once (the supervisor is closing). */
  drain(): Promise<void>;
  /** Stops beating and deletes the key. */
  stop(): Promise<void>;
}

/** Puts this supervisor's heartbeat into KV `troupe_agents` now and every `intervalMs` on the clock. */
export async function startSupervisorHeartbeat(o: SupervisorHeartbeatOptions): Promise<SupervisorHeartbeat> {
  const kv = await o.bus.kv(Buckets.Agents, HeartbeatSchema);
  const memberId = supervisorMemberId(o.supervisorId);
  const key = supervisorHeartbeatKey(memberId);
  const host = hostname();
  const startedAt = o.clock.now();
  let status: Heartbeat['status'] = 'ready';
  let inFlight = 0;
  let stopped = false;
  let timer: TimerHandle | undefined;
  /** The latest put: the delete on stop waits for it, so no late put brings the key back. */
  let writing: Promise<void> = Promise.resolve();

  const beat = () => {
    if (stopped) return writing;
    const heartbeat: Heartbeat = {
      v: 1,
      kind: 'supervisor',
      agentId: memberId,
      roles: [],
      host,
      pid: process.pid,
      inFlight,
      concurrency: o.concurrency,
      version: o.version,
      startedAt,
      at: o.clock.now(),
      status,
      handled: o.handled(),
    };
    writing = writing
      .then(() => kv.put(key, heartbeat))
      .then(
        () => undefined,
        (err: unknown) => o.onError(err, 'heartbeat'),
      );
    return writing;
  };
  const loop = () => {
    void beat();
    timer = o.clock.setTimeout(loop, o.intervalMs);
  };
  loop();

  return {
    key,
    track:
      (fn) =>
      async (...args) => {
        inFlight++;
        try {
          return await fn(...args);
        } finally {
          inFlight--;
        }
      },
    async drain() {
      if (stopped || status === 'draining') return;
      status = 'draining';
      await beat();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) o.clock.clearTimeout(timer);
      await writing;
      await kv.delete(key).catch((err: unknown) => o.onError(err, 'heartbeat'));
    },
  };
}
