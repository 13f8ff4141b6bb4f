import { markTimeline } from '@troupe/bus';
import { describe, expect, it } from 'vitest';
import { recordTimeline } from './timeline-recorder.js';

describe('recordTimeline', () => {
  it('keeps the phases of messages handled alone, by group, and leaves out overlapping ones', () => {
    const recorder = recordTimeline();
    recorder.listen(true);
    const storedAt = performance.timeOrigin + performance.now() - 0.5;
    // Alone: an assignment for role a, then a result.
    markTimeline('received', { subject: 'troupe.work.a', storedAt });
    markTimeline('decoded', { subject: 'troupe.work.a' });
    markTimeline('executed', { taskId: 't1' });
    markTimeline('result-sent', { taskId: 't1' });
    markTimeline('handled', { subject: 'troupe.work.a' });
    markTimeline('received', { subject: 'troupe.result.t1', storedAt });
    markTimeline('transitioned', { taskId: 't1' });
    markTimeline('handled', { subject: 'troupe.result.t1' });
    // Two at once: neither counts, and the next message alone counts again.
    markTimeline('received', { subject: 'troupe.work.a', storedAt });
    markTimeline('received', { subject: 'troupe.work.a', storedAt });
    markTimeline('executed', { taskId: 't2' });
    markTimeline('handled', { subject: 'troupe.work.a' });
    markTimeline('handled', { subject: 'troupe.work.a' });

    const { phases, messages } = recorder.read(true);
    expect(Object.keys(phases).sort()).toEqual(['troupe.result', 'troupe.work.a']);
    const work = phases['troupe.work.a']!;
    expect(work['n']).toBe(1);
    expect(Object.keys(work).sort()).toEqual(['decoded', 'executed', 'handled', 'n', 'result-sent', 'wire']);
    expect(work['wire']).toBeGreaterThanOrEqual(0.5);
    expect(work['decoded']).toBeLessThanOrEqual(work['executed']!);
    expect(work['executed']).toBeLessThanOrEqual(work['handled']!);
    expect(phases['troupe.result']!['n']).toBe(1);
    // The lone messages with their absolute times and task: the assignment, then the result.
    expect(messages.map((m) => [m.group, m.taskId])).toEqual([
      ['troupe.work.a', 't1'],
      ['troupe.result', 't1'],
    ]);
    expect(messages[0]!.storedAt).toBe(storedAt);
    expect(messages[0]!.sentAt).toBeGreaterThanOrEqual(messages[0]!.receivedAt);
    expect(recorder.read(false)).toEqual({ phases: {}, messages: [] });
    recorder.listen(false);
  });

  it('records nothing while it does not listen', () => {
    const recorder = recordTimeline();
    markTimeline('received', { subject: 'troupe.work.a' });
    markTimeline('handled', { subject: 'troupe.work.a' });
    expect(recorder.read(true)).toEqual({ phases: {}, messages: [] });
    recorder.listen(true);
    markTimeline('received', { subject: 'troupe.work.a' });
    markTimeline('handled', { subject: 'troupe.work.a' });
    recorder.listen(false);
    markTimeline('received', { subject: 'troupe.work.a' });
    markTimeline('handled', { subject: 'troupe.work.a' });
    expect(recorder.read(true).messages).toHaveLength(1);
  });
});
