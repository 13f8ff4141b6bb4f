import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { startNatsServer } from '@troupe/bus/testing';
import { FLOOR, type FloorMessage } from '../bus-floor-protocol.js';
import type { WarmUpRule } from '../warm-up.js';
import { measurePeerPipeline, type PeerFigures, type PeerTask } from '../peer-measure.js';
import { childScript, type ProcessPool } from '../process-pool.js';
import { firstPayload, PIPELINE_STEPS } from '../step-work.js';

/**
 * The bus floor: the same pipeline with Troupe's hop on the bare nats.js clients (a coordinator process with
 * a KV compare-and-set per event, four step processes on work queues, results through a stream), on a fresh
 * nats-server. It is what the bus allows on this machine; Troupe's figures above it are Troupe's own cost.
 */
export async function runBusFloor(
  pool: ProcessPool,
  o: { tasks: number; warmUp: WarmUpRule; burst: number; repeats: number },
): Promise<PeerFigures> {
  await using server = await startNatsServer();
  const nc = await connect({ servers: server.url, noAsyncTraces: true });
  const children = [];
  try {
    const jsm = await jetstreamManager(nc);
    const stream = { retention: RetentionPolicy.Workqueue, storage: StorageType.File };
    await jsm.streams.add({ name: FLOOR.workStream, subjects: [FLOOR.work('*')], ...stream });
    await jsm.streams.add({
      name: FLOOR.supervisorStream,
      subjects: [FLOOR.submit, FLOOR.result],
      ...stream,
    });
    const consumer = { ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 };
    await jsm.consumers.add(FLOOR.supervisorStream, { durable_name: FLOOR.supervisorConsumer, ...consumer });
    for (const step of PIPELINE_STEPS) {
      await jsm.consumers.add(FLOOR.workStream, {
        durable_name: FLOOR.workConsumer(step),
        filter_subject: FLOOR.work(step),
        ...consumer,
      });
    }
    await new Kvm(nc).create(FLOOR.bucket, { history: 1 });

    const env = { NATS_URL: server.url };
    children.push(
      await pool.start('floor-supervisor', childScript('floor-process'), { ...env, ROLE: 'supervisor' }),
    );
    for (const [i] of PIPELINE_STEPS.entries()) {
      children.push(
        await pool.start(`floor-agent-${i}`, childScript('floor-process'), {
          ...env,
          ROLE: 'agent',
          STEP_INDEX: String(i),
        }),
      );
    }

    const waiting = new Map<string, (at: number) => void>();
    nc.subscribe(FLOOR.allDone, {
      callback: (_err, msg) => {
        const at = performance.now();
        const taskId = msg.subject.slice(FLOOR.done('').length);
        waiting.get(taskId)?.(at);
        waiting.delete(taskId);
      },
    });
    await nc.flush();
    const js = jetstream(nc);
    let counter = 0;
    const submit = async (): Promise<PeerTask> => {
      const taskId = `t${counter++}`;
      const done = new Promise<number>((resolve) => waiting.set(taskId, resolve));
      const submittedAt = performance.now();
      const message: FloorMessage = { taskId, step: -1, payload: firstPayload(`Question ${taskId}`) };
      await js.publish(FLOOR.submit, JSON.stringify(message), { msgID: taskId });
      return { submittedAt, done };
    };
    const [supervisor, ...agents] = children;
    return await measurePeerPipeline({
      system: 'bus floor: the hop on bare nats.js (5 processes)',
      ...o,
      groups: {
        supervisor: [supervisor!.pid],
        agents: agents.map((a) => a.pid),
        natsServer: [server.pid],
        submitter: [process.pid],
      },
      submit,
    });
  } finally {
    await Promise.all(children.map((c) => pool.stop(c)));
    await nc.close();
  }
}
