import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startApi } from '@troupe/api';
import { Buckets, connect, Streams, type Bus } from '@troupe/bus';
import { natsHandles, netnsAvailable, spawnTs, startNatsCluster, type NatsServer } from '@troupe/bus/testing';
import { fixture, followTaskEnds, TENANT } from './fixtures/troupe.js';
import { expectCompletedReports, expectEachResultAppliedOnce } from './fixtures/task-checks.js';

const TASKS = 100;
const API_KEY = 'cluster-test-key-0123456789';
/**
 * An assignment or result can die with its node (the consumer's leader moves and forgets what it had handed
 * out): the supervisor dispatches such a step again on its timeout, kept shorter here than the default 120 s.
 * Not much shorter: a step's time in the queue counts, and with 100 tasks queued on a loaded 2-core CI host a
 * 15 s timeout re-dispatched steps that were only waiting, until tasks failed on their reassignment limit.
 */
const STEP_TIMEOUT_MS = 60_000;
const TaskAcceptedSchema = z.object({ id: z.string() });

/** Each stream's replica count and how many of its peers are current (the leader not counted). */
async function replication(bus: Bus, stream: string) {
  const info = await natsHandles(bus).jsm.streams.info(stream);
  const peers = info.cluster?.replicas ?? [];
  return { replicas: info.config.num_replicas, currentPeers: peers.filter((p) => p.current).length };
}

/** The names of the client connections a node holds (its `/connz`). */
async function connectionsOn(node: NatsServer): Promise<string[]> {
  const res = await fetch(`${node.monitorUrl}/connz?limit=1024`);
  const body = (await res.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).map((c) => c.name ?? '');
}

describe('a troupe across a 3-node cluster', () => {
  it(
    'one node SIGKILLed in the middle of 100 tasks, then restarted: every task completes, each result applied once',
    { timeout: 300_000 },
    async () => {
      // Each node in a network namespace of its own where the machine allows (root), else on loopback ports.
      await using cluster = await startNatsCluster(3, { netns: netnsAvailable() });
      const [node1, node2, node3] = cluster.servers as [NatsServer, NatsServer, NatsServer];
      const topology = { replicas: 3 };
      // The test watches from node 3, which stays up; the API is attached there too.
      const bus = await connect({ servers: node3.url, name: 'cluster-test', topology });
      await bus.ensureTopology();

      // Each process is given its own node's URL: it attaches there, and learns the others from the
      // cluster's gossip, so it fails over when its node dies.
      const env = (node: NatsServer) => ({
        NATS_URL: node.url,
        REPLICAS: '3',
        WAKE_GRACE_MS: '200',
        STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
      });
      await using supA = spawnTs(fixture('supervisor-process.ts'), { env: env(node1) });
      await using supB = spawnTs(fixture('supervisor-process.ts'), { env: env(node2) });
      await using agentA = spawnTs(fixture('scripted-agent.ts'), { env: env(node1) });
      await using agentB = spawnTs(fixture('scripted-agent.ts'), { env: env(node2) });
      await Promise.all([supA, supB, agentA, agentB].map((p) => p.waitForLine(/^ready /)));
      const api = await startApi({
        port: 0,
        host: '127.0.0.1',
        bus: await connect({ servers: node3.url, name: 'cluster-api', topology }),
        env: { TROUPE_API_KEYS: `${API_KEY}:${TENANT}:admin`, LOG_LEVEL: 'warn' },
      });

      // The supervisors ensured the topology too: it stays at 3 replicas.
      for (const stream of [Streams.Tasks, Streams.Work, Streams.Results])
        expect(await replication(bus, stream)).toEqual({ replicas: 3, currentPeers: 2 });
      const onNode1 = await connectionsOn(node1);
      expect(onNode1).toContain(`supervisor-${supA.child.pid}`);
      expect(onNode1).toContain(`scripted-agent-${agentA.child.pid}`);

      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) {
        const res = await fetch(`${api.url}/v1/tasks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ workflow: 'report', input: { question: `Question ${i}` } }),
        });
        expect(res.status).toBe(202);
        ids.push(TaskAcceptedSchema.parse(await res.json()).id);
      }
      const ends = await followTaskEnds(bus, ids);
      await ends.until(5);
      await node1.kill();
      // Work goes on with two nodes of three before node 1 comes back.
      await ends.until(Math.min(TASKS, ends.ended + 10));
      await node1.restart();
      await ends.until();
      await ends.stop();
      expect(ends.ended).toBe(TASKS);
      // The restarted node caught up: the streams have their three replicas current again. Checked before
      // the records are read, which any replica may answer (direct gets), the restarted one included.
      for (const stream of [Streams.Work, `KV_${Buckets.Tasks}`])
        await expect
          .poll(() => replication(bus, stream), { timeout: 30_000 })
          .toEqual({ replicas: 3, currentPeers: 2 });
      await expectCompletedReports(bus, ids);
      // Every step's result accepted once: 7 per task, none missing, none twice. (Before the KV writes carried
      // their message ids, two supervisors' records over one revision both landed here; their log records
      // share ids, so a reader handed out one of the two accepts.)
      await expectEachResultAppliedOnce(bus, TASKS * 7);

      await api.close();
      await api.bus.close();
      await bus.close();
    },
  );
});
