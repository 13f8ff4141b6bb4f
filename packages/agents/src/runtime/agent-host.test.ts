import { describe, expect, it } from 'vitest';
import { AuditRecordSchema, Streams, subjects, TaskEventSchema, type StepAssignment } from '@troupe/bus';
import { startTestBus } from '@troupe/bus/testing';
import { startAgentHost } from './agent-host.js';

describe('startAgentHost on a real nats-server', () => {
  it('a step whose result is in flight when the server dies sends it again once connected, and runs once', async () => {
    await using testBus = await startTestBus({ bus: { reconnectWaitMs: 50, reconnectJitterMs: 10 } });
    const { server, bus } = testBus;
    const taskId = 'dropped';
    let runs = 0;
    let stepDone!: () => void;
    const done = new Promise<void>((resolve) => (stepDone = resolve));
    const host = await startAgentHost({
      bus,
      roles: ['dropper'],
      agentId: 'dropper-agent',
      concurrency: 1,
      execute: async (ctx) => {
        runs++;
        ctx.emit('step.note', { run: runs });
        ctx.audit({ type: 'model.call', at: 1, data: { run: runs } });
        // Frozen, the server takes in nothing more: the step's log and result are in flight when it dies.
        if (runs === 1) process.kill(server.pid!, 'SIGSTOP');
        stepDone();
        return {
          output: { ok: true },
          usage: {
            inputTokens: 1,
            outputTokens: 1,
            costUsd: 0,
            latencyMs: 1,
            model: 'm',
            provider: 'offline',
          },
        };
      },
    });
    try {
      const assignment: StepAssignment = {
        v: 1,
        taskId,
        tenant: 'acme',
        workflow: 'w',
        stepKey: 'only',
        stepId: 'only',
        attempt: 1,
        role: 'dropper',
        input: {},
        dispatchedAt: 1,
      };
      await bus.publishDurable(subjects.work('dropper'), assignment, { msgId: 'dropped.only.1' });
      await done;
      await server.kill();
      await server.restart();
      await bus.whenConnected();
      // One result stored (sent again with its id), the step run once, its audit record stored once.
      await expect
        .poll(async () => (await bus.jsm.streams.info(Streams.Results)).state.messages, { timeout: 20_000 })
        .toBe(1);
      expect(runs).toBe(1);
      const audit = await bus.readStream(Streams.Audit, subjects.audit(taskId), AuditRecordSchema);
      expect(audit.map((a) => a.type)).toEqual(['model.call']);
      const events = await bus.readStream(Streams.Events, subjects.event(taskId), TaskEventSchema);
      expect(events.filter((e) => e.type === 'step.note')).toHaveLength(1);
    } finally {
      await host.drain();
    }
  });
});
