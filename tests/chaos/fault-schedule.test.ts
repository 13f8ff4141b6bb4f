import { describe, expect, it } from 'vitest';
import { countByKind, faultSchedule, FaultKind } from './fault-schedule.js';

const kinds = [
  FaultKind.KillAgent,
  FaultKind.PauseProcess,
  FaultKind.RestartServer,
  FaultKind.CutConnections,
];

describe('faultSchedule', () => {
  it('is the same schedule for the same seed, and another for another seed', () => {
    const a = faultSchedule({ seed: 7, tasks: 100, kinds, perKind: 3 });
    expect(faultSchedule({ seed: 7, tasks: 100, kinds, perKind: 3 })).toEqual(a);
    expect(faultSchedule({ seed: 8, tasks: 100, kinds, perKind: 3 })).not.toEqual(a);
  });

  it('has perKind faults of every kind, at non-decreasing task counts within the run', () => {
    for (const seed of [1, 2, 3, 42, 99_999]) {
      const schedule = faultSchedule({ seed, tasks: 30, kinds, perKind: 2 });
      expect([...countByKind(schedule, kinds).values()]).toEqual([2, 2, 2, 2]);
      const counts = schedule.map((f) => f.afterEnded);
      expect(counts).toEqual([...counts].sort((x, y) => x - y));
      expect(counts.every((n) => n >= 1 && n <= 27)).toBe(true);
    }
  });

  it('draws picks in [0, 1) and pauses within their range', () => {
    const schedule = faultSchedule({
      seed: 5,
      tasks: 200,
      kinds,
      perKind: 10,
      pauseMs: { min: 100, max: 200 },
    });
    expect(schedule.every((f) => f.pick >= 0 && f.pick < 1)).toBe(true);
    expect(schedule.every((f) => f.pauseMs >= 100 && f.pauseMs <= 200)).toBe(true);
  });

  it('counts faults by kind, listing kinds that did not run', () => {
    const counts = countByKind([{ kind: FaultKind.KillAgent }, { kind: FaultKind.KillAgent }], kinds);
    expect(Object.fromEntries(counts)).toEqual({
      'kill-agent': 2,
      'pause-process': 0,
      'restart-server': 0,
      'cut-connections': 0,
    });
  });
});
