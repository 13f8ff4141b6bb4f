import { channel } from 'node:diagnostics_channel';

/**
 * The diagnostics channel on which Troupe marks the path of a work-queue message through a process: when
 * it is received, decoded and handled, and in between what the supervisor or agent did with it. For
 * profilers and the benchmark (which splits a hop's latency with it); when nobody subscribes, a mark costs
 * a check and its small field object, nothing is published.
 */
export const TIMELINE_CHANNEL = 'troupe:timeline';

export type TimelinePhase =
  /** A work-queue message reached its handler (`storedAt`: when the server stored it, epoch ms). */
  | 'received'
  /** Its body is parsed and validated. */
  | 'decoded'
  /** The supervisor computed the transition. */
  | 'transitioned'
  /** The supervisor's compare-and-set of the task record returned. */
  | 'recorded'
  /** The supervisor handed the transition's assignments and log records to the connection. */
  | 'effects-sent'
  /** The agent's step function returned. */
  | 'executed'
  /** The agent handed the step's result to the connection. */
  | 'result-sent'
  /** The handler finished and the message is acknowledged (or refused). */
  | 'handled';

export interface TimelineMark {
  phase: TimelinePhase;
  /** `performance.now()` in the marking process. */
  at: number;
  subject?: string;
  storedAt?: number;
  taskId?: string;
}

const timeline = channel(TIMELINE_CHANNEL);

export function markTimeline(phase: TimelinePhase, fields?: Omit<TimelineMark, 'phase' | 'at'>): void {
  if (timeline.hasSubscribers) timeline.publish({ phase, at: performance.now(), ...fields });
}
