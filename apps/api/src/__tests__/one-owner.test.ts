import { AuditRecordSchema, Buckets } from '@troupe/bus';
import { runSupervisor } from '@troupe/supervisor';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { http, KEYS, startTroupe, TEST_KEYS, WORKFLOWS } from './fixtures/troupe.js';

describe('the supervisors own task records; the API publishes a submission and reads', () => {
  it('a task no supervisor has picked up is read from its submission, listed, and cancelled once one runs', async () => {
    await using troupe = await startTroupe({ keys: TEST_KEYS });
    await troupe.supervisor.stop();
    const call = http(troupe.url);
    const submitted = await call('POST', '/v1/tasks', {
      key: KEYS.acmeWriter,
      body: { workflow: 'gated', input: { question: 'nobody is there yet' } },
    });
    expect(submitted.status).toBe(202);
    const { id } = submitted.body as { id: string };

    // No record: the API wrote none. The task is still there for its tenant, queued.
    const tasks = await troupe.bus.kv(Buckets.Tasks, z.unknown());
    expect(await tasks.get(`acme.${id}`)).toBeUndefined();
    const read = await call('GET', `/v1/tasks/${id}`, { key: KEYS.acmeReader });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'queued', workflow: 'gated' });
    const listed = await call('GET', '/v1/tasks', { key: KEYS.acmeReader });
    expect((listed.body as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id)).toContain(id);
    expect((await call('GET', `/v1/tasks/${id}`, { key: KEYS.globex })).status).toBe(404);

    const cancelled = await call('POST', `/v1/tasks/${id}/cancel`, {
      key: KEYS.acmeWriter,
      body: { reason: 'no longer needed' },
    });
    expect(cancelled.status).toBeLessThan(300);
    // A supervisor comes up to a submission and a cancel: whichever it reads first, the task ends cancelled.
    const supervisor = await runSupervisor({ bus: troupe.bus, workflows: WORKFLOWS });
    onTestFinished(() => supervisor.stop());
    await expect
      .poll(
        async () =>
          ((await call('GET', `/v1/tasks/${id}`, { key: KEYS.acmeReader })).body as { status: string })
            .status,
      )
      .toBe('cancelled');
    const audit = await troupe.bus.readJournal('audit', { tenant: 'acme', taskId: id }, AuditRecordSchema);
    expect(audit.some((r) => r.data.decision === 'cancel')).toBe(true);
  });
});
