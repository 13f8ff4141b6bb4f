// The bus floor's processes (see ../bus-floor-protocol.ts): ROLE=supervisor keeps each task's state in KV
// and hands out the steps; ROLE=agent with STEP_INDEX=i runs step i. Every message is handled as soon as it
// arrives (up to CONCURRENCY in flight), as Troupe's processes do.
import { connect } from '@nats-io/transport-node';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { FLOOR, type FloorMessage } from '../bus-floor-protocol.js';
import { PIPELINE_STEPS, stepWork } from '../step-work.js';

const role = process.env['ROLE'];
const concurrency = Number(process.env['CONCURRENCY'] ?? 64);
const nc = await connect({ servers: process.env['NATS_URL'] ?? '', noAsyncTraces: true });
const js = jetstream(nc);
const encode = (m: FloorMessage) => JSON.stringify(m);

const fail = (err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
};

async function serve(stream: string, consumer: string, handle: (m: JsMsg) => Promise<void>) {
  const messages = await (await js.consumers.get(stream, consumer)).consume({ max_messages: concurrency });
  void (async () => {
    for await (const m of messages) handle(m).catch(fail);
  })();
}

if (role === 'supervisor') {
  const kv = await new Kvm(js).open(FLOOR.bucket);
  const revisions = new Map<string, number>();
  await serve(FLOOR.supervisorStream, FLOOR.supervisorConsumer, async (m) => {
    const msg = m.json<FloorMessage>();
    const submitted = m.subject === FLOOR.submit;
    const next = submitted ? 0 : msg.step + 1;
    const state = JSON.stringify({ step: next, payload: msg.payload });
    const revision = submitted
      ? await kv.create(msg.taskId, state)
      : await kv.update(msg.taskId, state, revisions.get(msg.taskId)!);
    const step = PIPELINE_STEPS[next];
    if (step) {
      revisions.set(msg.taskId, revision);
      await js.publish(FLOOR.work(step), encode({ taskId: msg.taskId, step: next, payload: msg.payload }));
    } else {
      revisions.delete(msg.taskId);
      nc.publish(FLOOR.done(msg.taskId));
    }
    m.ack();
  });
} else if (role === 'agent') {
  const index = Number(process.env['STEP_INDEX']);
  const step = PIPELINE_STEPS[index];
  if (!step) throw new Error(`STEP_INDEX must be 0..${PIPELINE_STEPS.length - 1}`);
  await serve(FLOOR.workStream, FLOOR.workConsumer(step), async (m) => {
    const msg = m.json<FloorMessage>();
    const payload = stepWork(step, msg.payload);
    await js.publish(FLOOR.result, encode({ taskId: msg.taskId, step: msg.step, payload }));
    m.ack();
  });
} else {
  throw new Error(`ROLE must be "supervisor" or "agent", got "${role}"`);
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void nc.drain().then(() => process.exit(0));
});
