import { describe, expect, it } from 'vitest';
import { hopTimelineOf } from './hop-timeline.js';
import type { Timeline } from './timeline-recorder.js';

describe('hopTimelineOf', () => {
  it('puts an assignment between the supervisor message that sent it and the result that came back', () => {
    const T = 1_800_000_000_000;
    const supervisor: Timeline = {
      phases: { 'troupe.result': { decoded: 0.1, handled: 1 } },
      messages: [
        // The submission: its handling sent the first assignment at T + 1.
        { group: 'troupe.task', taskId: 't1', storedAt: T, receivedAt: T + 0.2, sentAt: T + 1 },
        // The first step's result: stored at T + 4, handled at T + 4.3, the next assignment sent at T + 5.
        { group: 'troupe.result', taskId: 't1', storedAt: T + 4, receivedAt: T + 4.3, sentAt: T + 5 },
        // Another task's messages are not mixed in.
        { group: 'troupe.result', taskId: 't2', storedAt: T + 3.5, receivedAt: T + 3.6, sentAt: T + 3.7 },
      ],
    };
    const agent: Timeline = {
      phases: { 'troupe.work.a': { decoded: 0.2, executed: 0.5 } },
      messages: [
        { group: 'troupe.work.a', taskId: 't1', storedAt: T + 1.25, receivedAt: T + 1.75, sentAt: T + 3.75 },
        { group: 'troupe.work.other', taskId: 't1', storedAt: T + 6, receivedAt: T + 6.5, sentAt: T + 7 },
      ],
    };
    const timeline = hopTimelineOf(
      [
        { timeline: supervisor, supervisor: true },
        { timeline: agent, supervisor: false },
      ],
      ['troupe.work.a'],
    );
    expect(timeline.supervisor).toEqual({ decoded: 0.1, handled: 1 });
    expect(timeline.agent).toEqual({ decoded: 0.2, executed: 0.5 });
    const p50 = Object.fromEntries(Object.entries(timeline.legs).map(([leg, s]) => [leg, s.p50]));
    expect(p50).toEqual({
      'supervisor: result → assignment handed to the connection': 0.7,
      'assignment: handed over → stored by the server': 0.25,
      'assignment: stored → agent handler': 0.5,
      'agent: handler → result handed to the connection': 2,
      'result: handed over → stored by the server': 0.25,
      'result: stored → supervisor handler': 0.3,
    });
    expect(timeline.legs['assignment: stored → agent handler'].n).toBe(1);
  });
});
