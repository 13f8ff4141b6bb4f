import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { TIMELINE_CHANNEL, type TimelineMark } from '@troupe/bus';
import { z } from 'zod';
import { round, summarise } from './stats.js';

/**
 * One message handled alone, in epoch milliseconds (sub-millisecond, from `performance.timeOrigin`), so
 * that messages of different processes on the same machine can be put in sequence.
 */
export const LoneMessageSchema = z.object({
  group: z.string(),
  taskId: z.string().optional(),
  /** When the server stored it. */
  storedAt: z.number().optional(),
  /** When its handler started. */
  receivedAt: z.number(),
  /** When the handler handed what it produced to the connection (`effects-sent` or `result-sent`). */
  sentAt: z.number().optional(),
});
export type LoneMessage = z.infer<typeof LoneMessageSchema>;

export const TimelineSchema = z.object({
  /** Per message group, per phase: p50 ms after the message reached its handler (`wire`: stored → handler). */
  phases: z.record(z.string(), z.record(z.string(), z.number())),
  messages: z.array(LoneMessageSchema),
});
export type Timeline = z.infer<typeof TimelineSchema>;

/** Work subjects stay whole (one per role); results and submissions group by kind (`troupe.result`). */
const groupOf = (subject: string) =>
  subject.startsWith('troupe.work.') ? subject : subject.split('.').slice(0, 2).join('.');

const MAX_MESSAGES = 20_000;

/**
 * Listens to Troupe's timeline marks in this process and keeps, for each message that was handled alone
 * (no other message in the process meanwhile, as in a closed loop), when each phase came after the message
 * reached its handler, and the message's absolute times. It listens only between `listen(true)` and
 * `listen(false)`: with no subscriber a mark costs a check, so the throughput runs do not pay for it.
 */
export function recordTimeline(): { read(reset: boolean): Timeline; listen(on: boolean): void } {
  const epoch = (at: number) => performance.timeOrigin + at;
  let inFlight = 0;
  let current:
    { message: LoneMessage; t0: number; alone: boolean; marks: Array<[string, number]> } | undefined;
  let samples = new Map<string, Map<string, number[]>>();
  let messages: LoneMessage[] = [];
  const onMark = (payload: unknown) => {
    const mark = payload as TimelineMark;
    if (mark.phase === 'received') {
      inFlight++;
      if (inFlight === 1) {
        const message: LoneMessage = { group: groupOf(mark.subject ?? ''), receivedAt: epoch(mark.at) };
        const marks: Array<[string, number]> = [];
        if (mark.storedAt !== undefined) {
          message.storedAt = mark.storedAt;
          marks.push(['wire', message.receivedAt - mark.storedAt]);
        }
        current = { message, t0: mark.at, alone: true, marks };
      } else if (current) current.alone = false;
      return;
    }
    if (current?.alone) {
      current.marks.push([mark.phase, mark.at - current.t0]);
      if (mark.taskId !== undefined) current.message.taskId ??= mark.taskId;
      if (mark.phase === 'effects-sent' || mark.phase === 'result-sent')
        current.message.sentAt = epoch(mark.at);
    }
    if (mark.phase !== 'handled') return;
    inFlight = Math.max(0, inFlight - 1);
    if (current?.alone && inFlight === 0) {
      const byPhase = samples.get(current.message.group) ?? new Map<string, number[]>();
      samples.set(current.message.group, byPhase);
      for (const [phase, ms] of current.marks) {
        const list = byPhase.get(phase) ?? [];
        list.push(ms);
        byPhase.set(phase, list);
      }
      if (messages.length < MAX_MESSAGES) messages.push(current.message);
    }
    if (inFlight === 0) current = undefined;
  };
  let listening = false;
  return {
    listen(on) {
      if (on === listening) return;
      listening = on;
      if (on) subscribe(TIMELINE_CHANNEL, onMark);
      else unsubscribe(TIMELINE_CHANNEL, onMark);
      inFlight = 0;
      current = undefined;
    },
    read(reset) {
      const phases: Timeline['phases'] = {};
      for (const [group, byPhase] of samples) {
        phases[group] = Object.fromEntries(
          [...byPhase].map(([phase, xs]) => [phase, round(summarise(xs).p50, 3)] as const),
        );
        phases[group]['n'] = byPhase.get('handled')?.length ?? 0;
      }
      const out = { phases, messages };
      if (reset) {
        samples = new Map();
        messages = [];
      }
      return out;
    },
  };
}
