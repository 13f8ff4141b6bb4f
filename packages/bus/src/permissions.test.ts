import { describe, expect, it } from 'vitest';
import { inboxPrefixOf, permissionsFor, principalsFor, userNameOf } from './permissions.js';
import { subjects } from './subjects.js';

/** NATS subject matching: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const may = (rules: { allow: string[]; deny: string[] }, subject: string) =>
  rules.allow.some((a) => matches(a, subject)) && !rules.deny.some((d) => matches(d, subject));

describe('the permission model', () => {
  const researcher = permissionsFor({ kind: 'agent', role: 'researcher' });
  const api = permissionsFor({ kind: 'api' });
  const supervisor = permissionsFor({ kind: 'supervisor' });

  it('lets an agent pull, ack and answer only for its role, under its own inbox', () => {
    expect(may(researcher.publish, '$JS.API.CONSUMER.MSG.NEXT.TROUPE_WORK.work-researcher')).toBe(true);
    expect(may(researcher.publish, '$JS.ACK.TROUPE_WORK.work-researcher.1.2.3.4.5.6')).toBe(true);
    expect(may(researcher.publish, '$JS.API.CONSUMER.MSG.NEXT.TROUPE_WORK.work-drafter')).toBe(false);
    expect(may(researcher.publish, '$JS.ACK.TROUPE_WORK.work-drafter.1.2.3.4.5.6')).toBe(false);
    expect(may(researcher.publish, subjects.result('researcher', 't1'))).toBe(true);
    expect(may(researcher.publish, subjects.result('drafter', 't1'))).toBe(false);
    expect(may(researcher.publish, subjects.heartbeat('researcher', 'a1'))).toBe(true);
    expect(may(researcher.publish, subjects.heartbeat('drafter', 'a1'))).toBe(false);
    expect(may(researcher.publish, subjects.deadLetter('work-researcher'))).toBe(true);
    expect(may(researcher.publish, subjects.deadLetter('work-drafter'))).toBe(false);
    for (const denied of [
      subjects.control('t1'),
      subjects.work('researcher'),
      subjects.taskSubmit('acme', 't1'),
      '$KV.troupe_tasks.acme.t1',
      '$JS.API.STREAM.MSG.GET.TROUPE_WORK',
      '$JS.API.STREAM.MSG.DELETE.TROUPE_WORK',
      '$JS.API.STREAM.CREATE.TROUPE_WORK',
    ])
      expect(may(researcher.publish, denied), denied).toBe(false);
    expect(may(researcher.subscribe, `${inboxPrefixOf({ kind: 'agent', role: 'researcher' })}.x`)).toBe(true);
    expect(may(researcher.subscribe, '_INBOX.x')).toBe(false);
    expect(may(researcher.subscribe, '_INBOX_agent-drafter.x')).toBe(false);
    expect(may(researcher.subscribe, subjects.work('drafter'))).toBe(false);
  });

  it('lets the API submit, control and read, but not consume work; scoped to tenants when given', () => {
    expect(may(api.publish, subjects.taskSubmit('acme', 't1'))).toBe(true);
    expect(may(api.publish, subjects.control('t1'))).toBe(true);
    expect(may(api.publish, '$JS.API.CONSUMER.INFO.TROUPE_WORK.work-drafter')).toBe(true);
    expect(may(api.publish, '$JS.API.CONSUMER.MSG.NEXT.TROUPE_WORK.work-drafter')).toBe(false);
    expect(may(api.publish, '$JS.ACK.TROUPE_WORK.work-drafter.1')).toBe(false);
    expect(may(api.publish, subjects.work('drafter'))).toBe(false);
    expect(may(api.publish, subjects.result('drafter', 't1'))).toBe(false);
    const acmeOnly = permissionsFor({ kind: 'api', tenants: ['acme'] });
    expect(may(acmeOnly.publish, subjects.taskSubmit('acme', 't1'))).toBe(true);
    expect(may(acmeOnly.publish, subjects.taskSubmit('globex', 't1'))).toBe(false);
  });

  it('lets supervisors own task state but not the topology', () => {
    expect(may(supervisor.publish, subjects.work('drafter'))).toBe(true);
    expect(may(supervisor.publish, '$KV.troupe_tasks.acme.t1')).toBe(true);
    expect(may(supervisor.publish, '$JS.API.CONSUMER.MSG.NEXT.TROUPE_RESULTS.supervisor-results')).toBe(true);
    expect(may(supervisor.publish, '$JS.API.STREAM.CREATE.TROUPE_WORK')).toBe(false);
    expect(may(supervisor.publish, '$JS.API.CONSUMER.CREATE.TROUPE_WORK.work-x')).toBe(false);
    expect(may(supervisor.publish, '$JS.API.CONSUMER.CREATE.KV_troupe_tasks.reader.$KV.troupe_tasks.>')).toBe(
      true,
    );
  });

  it('names a user per process kind and role', () => {
    expect(principalsFor(['drafter', 'analyst', 'drafter']).map(userNameOf)).toEqual([
      'provisioner',
      'supervisor',
      'api',
      'agent-analyst',
      'agent-drafter',
    ]);
  });
});
