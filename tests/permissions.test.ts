import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Buckets, BusErrorCode, connect, newTaskId, subjects, type Bus } from '@troupe/bus';
import {
  findNatsServerBinary,
  freePort,
  natsHandles,
  spawnTs,
  startNatsClusterFromFiles,
  startNatsServer,
  type NatsServer,
} from '@troupe/bus/testing';
import { startApi } from '@troupe/api';
import { createClient } from '@troupe/client';
import { runCaptured as cli } from '../apps/cli/src/__tests__/run-captured.js';
import { fixture, followTaskEnds, readTask, submitTask } from './fixtures/troupe.js';

const ROLES = ['planner', 'researcher', 'analyst', 'drafter', 'reviewer'];

/** A user's env file (`users/<name>.env`) as an object. */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The server's refusal, as nats.js reports it for a request: at once, not after the request's timeout. */
const refused = { message: expect.stringMatching(/Permissions Violation for Publish/) };

describe('least-privilege users from `troupe nats-config`', () => {
  let dir: string;
  let server: NatsServer;
  let users: Record<string, Record<string, string>>;
  const buses: Bus[] = [];
  /** Connects as a generated user; the server logs its refusals under the connection's name. */
  const connectAs = async (user: string, name = `test-${user}`) => {
    const env = users[user]!;
    const bus = await connect({
      servers: server.url,
      name,
      user: env['TROUPE_NATS_USER']!,
      pass: env['TROUPE_NATS_PASSWORD']!,
      inboxPrefix: env['TROUPE_NATS_INBOX_PREFIX']!,
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-perms-'));
    const port = await freePort();
    // `translator` gets a user but no provisioned queue.
    const written = await cli([
      'nats-config',
      '--single',
      '--out',
      dir,
      '--port',
      String(port),
      '--roles',
      'translator',
    ]);
    expect(written.code).toBe(0);
    users = Object.fromEntries(
      readdirSync(join(dir, 'users')).map((f) => [
        f.replace(/\.env$/, ''),
        readEnvFile(join(dir, 'users', f)),
      ]),
    );
    mkdirSync(join(dir, 'run'));
    server = await startNatsServer({
      port,
      configFile: join(dir, 'troupe-1.conf'),
      storeDir: join(dir, 'run'),
    });
    const provisioner = await connectAs('provisioner');
    const report = await provisioner.provisionTopology({ roles: ROLES });
    expect(report.created).toContain('consumer TROUPE_WORK/work-drafter');
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    await server?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a user per process kind and per role, and nats-server accepts every node of a cluster', async () => {
    expect(Object.keys(users).sort()).toEqual(
      ['agent-analyst', 'agent-assistant', 'agent-drafter', 'agent-planner', 'agent-researcher']
        .concat(['agent-reviewer', 'agent-translator', 'api', 'provisioner', 'supervisor'])
        .sort(),
    );
    const clusterDir = join(dir, 'cluster');
    expect(
      (await cli(['nats-config', '--out', clusterDir, '--roles', 'translator', '--monitor-port', '8222']))
        .code,
    ).toBe(0);
    const nodes = readdirSync(clusterDir).filter((f) => /^troupe-\d\.conf$/.test(f));
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      const text = readFileSync(join(clusterDir, node), 'utf8');
      expect(text).toMatch(/routes: \[/);
      expect(text).toMatch(/# sync_interval: always/);
      expect(text).toMatch(/^http: "127\.0\.0\.1:822[234]"$/m);
      const check = spawnSync(findNatsServerBinary(), ['-c', join(clusterDir, node), '-t'], {
        encoding: 'utf8',
      });
      expect(check.status, check.stderr).toBe(0);
    }
    expect(readFileSync(join(clusterDir, 'accounts.conf'), 'utf8')).toMatch(/user: "agent-translator"/);
  });

  it("refuses an agent of role researcher the drafter's queue, the tasks bucket and the drafter's results", async () => {
    const agent = await connectAs('agent-researcher');
    const { nc, js } = natsHandles(agent);
    const errors: unknown[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(s.error);
    })();
    // Pulling the drafter's work: the server refuses the request.
    await expect(
      nc.request(
        '$JS.API.CONSUMER.MSG.NEXT.TROUPE_WORK.work-drafter',
        JSON.stringify({ batch: 1, expires: 1e9 }),
        { timeout: 5_000 },
      ),
    ).rejects.toMatchObject(refused);
    // Through the bus: the drafter's consumer cannot even be looked up.
    await expect(
      agent.consumeWork({ role: 'drafter', schema: {} as never, concurrency: 1, handler: async () => {} }),
    ).rejects.toMatchObject({ code: BusErrorCode.PermissionDenied });
    // Writing a task's record in the tasks bucket.
    await expect(js.publish(`$KV.${Buckets.Tasks}.acme.${newTaskId()}`, '{}')).rejects.toMatchObject(refused);
    // Publishing the drafter's result.
    await expect(
      agent.publishDurable(subjects.result('drafter', newTaskId()), { v: 1 }),
    ).rejects.toMatchObject(refused);
    // Each refusal also reached the connection as an async error.
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(4);
    expect(errors.every((e) => (e as Error).name === 'PermissionViolationError')).toBe(true);
    // Its own queue is open to it.
    const info = await js.consumers.get('TROUPE_WORK', 'work-researcher').then((c) => c.info());
    expect(info.name).toBe('work-researcher');
  });

  it("refuses the API's user consuming work", async () => {
    const api = await connectAs('api');
    const { nc } = natsHandles(api);
    for (const role of ['researcher', 'drafter']) {
      await expect(
        nc.request(`$JS.API.CONSUMER.MSG.NEXT.TROUPE_WORK.work-${role}`, JSON.stringify({ batch: 1 }), {
          timeout: 5_000,
        }),
      ).rejects.toMatchObject(refused);
    }
    await expect(api.publishDurable(subjects.work('researcher'), { v: 1 })).rejects.toMatchObject(refused);
  });

  it('a process that may not create topology fails with TOPOLOGY_MISSING naming what is missing', async () => {
    const supervisor = await connectAs('supervisor');
    await expect(supervisor.checkTopology({ roles: ROLES })).resolves.toBeUndefined();
    await expect(supervisor.prepareTopology({ roles: ['ghost'] })).rejects.toMatchObject({
      code: BusErrorCode.TopologyMissing,
      message: expect.stringMatching(/consumer TROUPE_WORK\/work-ghost.*run `troupe provision`/),
    });
    // An agent whose role's queue was never provisioned: its consumer is looked up, not there, and refused.
    const translator = await connectAs('agent-translator');
    await expect(
      translator.consumeWork({
        role: 'translator',
        schema: {} as never,
        concurrency: 1,
        handler: async () => {},
      }),
    ).rejects.toMatchObject({
      code: BusErrorCode.TopologyMissing,
      details: { missing: ['consumer TROUPE_WORK/work-translator'] },
    });
  });

  it('completes a report with exactly these users: supervisor and agent processes, the API on its user', async () => {
    const envOf = (user: string) => ({ ...users[user]!, NATS_URL: server.url });
    await using sup = spawnTs(fixture('supervisor-process.ts'), { env: envOf('supervisor') });
    const agents = ROLES.map((role) =>
      spawnTs(fixture('agent-process.ts'), { env: { ...envOf(`agent-${role}`), ROLES: role } }),
    );
    try {
      await Promise.all([sup, ...agents].map((p) => p.waitForLine(/^ready /, 60_000)));
      // The real API on the API's user: submit, follow, read the result, the audit log, the trace, the fleet.
      const api = await startApi({ port: 0, bus: await connectAs('api', 'api-server'), env: {} });
      try {
        const client = createClient({ baseUrl: api.url });
        const { id } = await client.submit('report', { question: 'What is a work queue?' });
        expect((await client.wait(id)).status).toBe('completed');
        expect((await client.result(id)).status).toBe('completed');
        expect((await client.audit(id)).records.length).toBeGreaterThan(0);
        // (the fixtures send no spans to the live feed; the read of TROUPE_SPANS is what is tried here)
        expect((await client.trace(id)).spans).toEqual(expect.any(Array));
        expect((await client.fleet()).members.length).toBeGreaterThan(0);
        // A cancel is a control message the API's user may send.
        const second = await client.submit('report', { question: 'And a stream?' });
        await client.cancel(second.id, 'enough');
        expect(['cancelled', 'completed']).toContain((await client.wait(second.id)).status);
      } finally {
        await api.close();
      }
      // And the bus calls a test makes on the API's user.
      const apiBus = await connectAs('api');
      const taskId = await submitTask(apiBus, 'report', { question: 'What is an ack?' });
      const ends = await followTaskEnds(apiBus, [taskId]);
      await ends.until();
      await ends.stop();
      expect((await readTask(apiBus, taskId))?.status).toBe('completed');
      // An assignment that does not decode: the researcher agent dead-letters it on its own rights alone
      // (bytes to the object store, a record to TROUPE_DLQ, then the ack that removes it from the queue).
      const supervisorBus = await connectAs('supervisor', 'test-supervisor-publisher');
      await natsHandles(supervisorBus).js.publish(subjects.work('researcher'), '{"not":"an assignment"}');
      await expect
        .poll(async () => (await apiBus.readDeadLetters('work-researcher')).map((d) => d.reason), {
          timeout: 20_000,
        })
        .toEqual(['decode-failed']);
      const left = await apiBus.subjectCounts('TROUPE_WORK', subjects.work('researcher'));
      expect(left.get(subjects.work('researcher')) ?? 0).toBe(0);
      // The server logs every refusal with the connection's name: none for the troupe's own processes.
      const violations = server
        .log()
        .split('\n')
        .filter((line) => /Violation/.test(line));
      // (the refusals above are there, from this test's own connections)
      expect(violations.some((line) => /test-agent-researcher.*work-drafter/.test(line))).toBe(true);
      expect(violations.filter((line) => !/:test-/.test(line))).toEqual([]);
    } finally {
      await Promise.all(agents.map((a) => a[Symbol.asyncDispose]()));
    }
  });
});

describe('a 3-node cluster from `troupe nats-config`', () => {
  it('forms a JetStream cluster on the generated routes, and `provision --replicas 3` makes every stream R3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-cluster-'));
    try {
      // Three loopback addresses, so the nodes share their ports as on three machines.
      const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
      const [port, clusterPort] = [await freePort(), await freePort()];
      const args = ['--host', hosts.join(','), '--port', String(port), '--cluster-port', String(clusterPort)];
      expect((await cli(['nats-config', '--out', dir, ...args])).code).toBe(0);
      await using cluster = await startNatsClusterFromFiles(
        hosts.map((host, i) => {
          mkdirSync(join(dir, `run-${i + 1}`));
          return {
            configFile: join(dir, `troupe-${i + 1}.conf`),
            port,
            host,
            storeDir: join(dir, `run-${i + 1}`),
          };
        }),
      );
      const env = readEnvFile(join(dir, 'users', 'provisioner.env'));
      expect(env['NATS_URL']).toBe(hosts.map((h) => `nats://${h}:${port}`).join(','));
      const provisioner = await connect({
        servers: cluster.urls,
        user: env['TROUPE_NATS_USER']!,
        pass: env['TROUPE_NATS_PASSWORD']!,
        inboxPrefix: env['TROUPE_NATS_INBOX_PREFIX']!,
      });
      try {
        const report = await provisioner.provisionTopology({ replicas: 3, roles: ['researcher'] });
        expect(report.replicas).toBe(3);
        const { jsm } = natsHandles(provisioner);
        for (const stream of ['TROUPE_WORK', 'KV_troupe_tasks', 'OBJ_troupe_artifacts']) {
          const info = await jsm.streams.info(stream);
          expect(info.config.num_replicas, stream).toBe(3);
          expect(info.cluster?.replicas ?? [], stream).toHaveLength(2);
        }
      } finally {
        await provisioner.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
