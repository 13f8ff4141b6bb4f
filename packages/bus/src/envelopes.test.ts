import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { encodeJson, parseJson, validateEnvelope } from './codec.js';
import { envelopes } from './envelopes.js';

const samples = {
  taskSubmit: {
    v: 1,
    taskId: 't1',
    tenant: 'acme',
    workflow: 'report',
    input: { question: 'q' },
    options: { budget: { tokens: 1000 } },
    metadata: { a: 'b' },
    submittedAt: 1,
  },
  stepAssignment: {
    v: 1,
    taskId: 't1',
    tenant: 'acme',
    workflow: 'report',
    stepKey: 'research-1',
    stepId: 'research',
    attempt: 1,
    role: 'researcher',
    input: { question: 'q' },
    dispatchedAt: 2,
  },
  stepResult: {
    v: 1,
    taskId: 't1',
    tenant: 'acme',
    stepKey: 'plan',
    attempt: 1,
    agentId: 'a1',
    finishedAt: 3,
    ok: true,
    output: { x: 1 },
    usage: {
      inputTokens: 1,
      outputTokens: 2,
      costUsd: 0,
      latencyMs: 1,
      model: 'offline-1',
      provider: 'offline',
    },
  },
  control: { v: 1, type: 'review', taskId: 't1', tenant: 'acme', decision: 'approve', at: 4 },
  taskEvent: { v: 1, taskId: 't1', type: 'step.dispatched', at: 5, data: { n: 1 } },
  auditRecord: { v: 1, taskId: 't1', type: 'model.call', at: 6, actor: 'agent:a1', data: {} },
  heartbeat: {
    v: 1,
    agentId: 'a1',
    roles: ['drafter'],
    host: 'h',
    pid: 1,
    inFlight: 0,
    concurrency: 4,
    version: '0.1.0',
    startedAt: 0,
    at: 7,
    status: 'ready',
  },
  abort: { v: 1, taskId: 't1', reason: 'cancelled', at: 9 },
  deadLetter: {
    v: 1,
    source: 'work-drafter',
    stream: 'TROUPE_WORK',
    streamSeq: 9,
    subject: 'troupe.work.drafter',
    deliveries: 5,
    reason: 'max-deliveries',
    error: 'boom',
    at: 8,
  },
} as const;

describe('envelopes', () => {
  for (const [name, sample] of Object.entries(samples)) {
    it(`${name} round-trips through the wire`, () => {
      const schema = envelopes[name as keyof typeof envelopes] as z.ZodType<unknown>;
      const decoded = validateEnvelope(schema, parseJson(encodeJson(sample), 'x'), 'x');
      expect(decoded).toMatchObject(sample);
    });
  }

  it('refuses an unknown version with a message naming the field', () => {
    expect(() =>
      validateEnvelope(envelopes.stepAssignment, { ...samples.stepAssignment, v: 2 }, 'troupe.work.x'),
    ).toThrow(/troupe\.work\.x does not match its schema: v:/);
  });

  it('refuses bad ids', () => {
    expect(() =>
      validateEnvelope(envelopes.taskSubmit, { ...samples.taskSubmit, taskId: 'a.b' }, 's'),
    ).toThrow(/taskId/);
  });
});

describe('heartbeat envelope', () => {
  const agent = samples.heartbeat;

  it('decodes a heartbeat written before kinds as an agent, and refuses an agent without roles', () => {
    expect(envelopes.heartbeat.parse(agent)).toMatchObject({ kind: 'agent', roles: ['drafter'] });
    expect(envelopes.heartbeat.parse(agent).handled).toBeUndefined();
    expect(() => validateEnvelope(envelopes.heartbeat, { ...agent, roles: [] }, 'hb')).toThrow(/roles/);
  });

  it('takes a supervisor with no roles, and a handled count', () => {
    const supervisor = { ...agent, kind: 'supervisor', agentId: 'sup-1', roles: [], handled: 12 };
    expect(envelopes.heartbeat.parse(supervisor)).toMatchObject({
      kind: 'supervisor',
      roles: [],
      handled: 12,
    });
    expect(() => envelopes.heartbeat.parse({ ...supervisor, handled: -1 })).toThrow(/handled/);
  });
});

describe('task options', () => {
  it('takes humanReview always or low-confidence, nothing else', () => {
    const submit = (options: unknown) => envelopes.taskSubmit.safeParse({ ...samples.taskSubmit, options });
    expect(submit({ humanReview: 'always' }).success).toBe(true);
    expect(submit({ humanReview: 'low-confidence' }).success).toBe(true);
    expect(submit({ humanReview: 'never' }).success).toBe(false);
  });
});
