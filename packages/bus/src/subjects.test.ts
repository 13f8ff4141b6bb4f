import { describe, expect, it } from 'vitest';
import { BusError } from './errors.js';
import { parseSubject, subjects } from './subjects.js';

describe('subjects', () => {
  it('builds and parses every subject', () => {
    expect(parseSubject(subjects.taskSubmit('acme', 't1'))).toEqual({
      kind: 'task.submit',
      tenant: 'acme',
      taskId: 't1',
    });
    expect(parseSubject(subjects.work('researcher'))).toEqual({ kind: 'work', role: 'researcher' });
    expect(parseSubject(subjects.result('drafter', 't1'))).toEqual({
      kind: 'result',
      role: 'drafter',
      taskId: 't1',
    });
    expect(subjects.allResults('drafter')).toBe('troupe.result.drafter.*');
    expect(parseSubject(subjects.control('t1'))).toEqual({ kind: 'control', taskId: 't1' });
    expect(parseSubject(subjects.abort('t1'))).toEqual({ kind: 'abort', taskId: 't1' });
    expect(parseSubject(subjects.live('t1'))).toEqual({ kind: 'live', taskId: 't1' });
    expect(parseSubject(subjects.heartbeat('drafter', 'a-1'))).toEqual({
      kind: 'heartbeat',
      role: 'drafter',
      agentId: 'a-1',
    });
    expect(parseSubject(subjects.health('a-1'))).toEqual({ kind: 'health', agentId: 'a-1' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(subjects.spans(traceId)).toBe(`troupe.telemetry.spans.${traceId}`);
    expect(parseSubject(subjects.spans(traceId))).toEqual({ kind: 'spans', traceId });
    expect(parseSubject(subjects.deadLetter('work-drafter'))).toEqual({
      kind: 'dead-letter',
      source: 'work-drafter',
    });
  });

  it('refuses tokens that would break the subject space', () => {
    expect(() => subjects.work('a.b')).toThrow(BusError);
    expect(() => subjects.result('drafter', '*')).toThrow(/task id "\*" is not a valid subject token/);
    expect(() => parseSubject('other.thing')).toThrow(/not a Troupe subject/);
  });
});
