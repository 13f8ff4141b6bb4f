import { describe, expect, it } from 'vitest';
import { startNatsServer } from '@troupe/bus/testing';
import { runCaptured as cli } from './run-captured.js';

describe('troupe provision', () => {
  it('creates every piece once, with the work consumers of the built-in roles and --roles, then updates', async () => {
    await using server = await startNatsServer();
    const first = await cli(['provision', '--nats', server.url, '--roles', 'translator', '--json']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { created: string[]; updated: string[]; replicas: number };
    expect(report.replicas).toBe(1);
    expect(report.updated).toEqual([]);
    expect(report.created).toEqual(
      expect.arrayContaining([
        'stream TROUPE_WORK',
        'bucket troupe_tasks',
        'object store troupe_artifacts',
        'consumer TROUPE_RESULTS/supervisor-results',
        'consumer TROUPE_WORK/work-drafter',
        'consumer TROUPE_WORK/work-translator',
      ]),
    );
    const again = await cli(['provision', '--nats', server.url, '--roles', 'translator']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^provisioned with 1 replica\n/);
    expect(again.stdout).not.toMatch(/created/);
    expect(again.stdout).toMatch(/updated consumer TROUPE_WORK\/work-translator/);
  });
});
