import { seededRandom } from '../fixtures/seeded-random.js';

export const FaultKind = {
  /** SIGKILL an agent process, then start a replacement. */
  KillAgent: 'kill-agent',
  /** SIGKILL a supervisor process, then start a replacement. */
  KillSupervisor: 'kill-supervisor',
  /** SIGSTOP an agent or supervisor, SIGCONT it `pauseMs` later. */
  PauseProcess: 'pause-process',
  /** SIGKILL one node of the cluster and start it again on its store. */
  RestartNode: 'restart-node',
  /** SIGKILL the single server and start it again on its file store. */
  RestartServer: 'restart-server',
  /** Cut every connection through the TCP proxies (they keep accepting new ones). */
  CutConnections: 'cut-connections',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export interface Fault {
  kind: FaultKind;
  /** Injected once this many tasks of the run have ended: faults follow progress, not the clock. */
  afterEnded: number;
  /** In [0, 1): which of the candidates (processes, nodes) the fault hits, resolved when it runs. */
  pick: number;
  /** How long a paused process stays stopped. */
  pauseMs: number;
}

export interface FaultScheduleOptions {
  seed: number;
  /** Tasks in the run: faults fall between the first task's end and 90% of them. */
  tasks: number;
  kinds: readonly FaultKind[];
  /** Faults of each kind. */
  perKind: number;
  /** Range of SIGSTOP durations, in ms. */
  pauseMs?: { min: number; max: number };
}

/** A seeded schedule: `perKind` faults of every kind in a shuffled order, at increasing task counts. */
export function faultSchedule(options: FaultScheduleOptions): Fault[] {
  const random = seededRandom(options.seed);
  const pause = options.pauseMs ?? { min: 300, max: 2_500 };
  const kinds = options.kinds.flatMap((kind) => Array.from({ length: options.perKind }, () => kind));
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const last = Math.max(1, Math.floor(options.tasks * 0.9));
  const thresholds = kinds.map(() => 1 + Math.floor(random() * last)).sort((a, b) => a - b);
  return kinds.map((kind, i) => ({
    kind,
    afterEnded: thresholds[i]!,
    pick: random(),
    pauseMs: Math.round(pause.min + random() * (pause.max - pause.min)),
  }));
}

/** Faults by kind, every kind of `kinds` listed (zero where none ran). */
export function countByKind(faults: readonly { kind: FaultKind }[], kinds: readonly FaultKind[]) {
  const counts = new Map<FaultKind, number>(kinds.map((k) => [k, 0]));
  for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return counts;
}
