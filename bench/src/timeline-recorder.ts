import { subscribe } from 'node:diagnostics_channel';
import { TIMELINE_CHANNEL, type TimelineMark } from '@troupe/bus';
import { z } from 'zod';
import { round, summarise } from './stats.js';

/** Per message group (a work subject, or `troupe.result` / `troupe.task`), per phase: ms since `received`. */
export const TimelineSchema = z.record(z.string(), z.record(z.string(), z.number()));
export type Timeline = z.infer<typeof TimelineSchema>;

/** Work subjects stay whole (one per role); results and submissions group by kind (`troupe.result`). */
const groupOf = (subject: string) =>
  subject.startsWith('troupe.work.') ? subject : subject.split('.').slice(0, 2).join('.');

/**
 * Listens to Troupe's timeline marks in this process and keeps, for each message that was handled alone
 * (no other message in the process meanwhile, as in a closed loop), when each phase came after the message
 * reached its handler. `wire` is the time from the server storing the message to its handler starting.
 */
export function recordTimeline(): { read(reset: boolean): Timeline } {
  let inFlight = 0;
  let current: { group: string; t0: number; alone: boolean; marks: Array<[string, number]> } | undefined;
  let samples = new Map<string, Map<string, number[]>>();
  subscribe(TIMELINE_CHANNEL, (message) => {
    const mark = message as TimelineMark;
    if (mark.phase === 'received') {
      inFlight++;
      if (inFlight === 1) {
        const wire =
          mark.storedAt === undefined ? [] : [['wire', performance.timeOrigin + mark.at - mark.storedAt]];
        current = {
          group: groupOf(mark.subject ?? ''),
          t0: mark.at,
          alone: true,
          marks: wire as Array<[string, number]>,
        };
      } else if (current) current.alone = false;
      return;
    }
    if (current?.alone) current.marks.push([mark.phase, mark.at - current.t0]);
    if (mark.phase !== 'handled') return;
    inFlight = Math.max(0, inFlight - 1);
    if (current?.alone && inFlight === 0) {
      const byPhase = samples.get(current.group) ?? new Map<string, number[]>();
      samples.set(current.group, byPhase);
      for (const [phase, ms] of current.marks) {
        const list = byPhase.get(phase) ?? [];
        list.push(ms);
        byPhase.set(phase, list);
      }
    }
    if (inFlight === 0) current = undefined;
  });
  return {
    read(reset) {
      const out: Timeline = {};
      for (const [group, byPhase] of samples) {
        out[group] = Object.fromEntries(
          [...byPhase].map(([phase, xs]) => [phase, round(summarise(xs).p50, 3)] as const),
        );
        out[group]['n'] = byPhase.get('handled')?.length ?? 0;
      }
      if (reset) samples = new Map();
      return out;
    },
  };
}
