// The other end of the baseline's request/reply round trip: echoes every request, nothing else, on a bare
// nats.js connection (the baseline measures NATS, not the bus).
import { connect } from '@nats-io/transport-node';
import { benchSubjects } from '../bench-subjects.js';

const nc = await connect({
  servers: (process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222').split(','),
  name: 'bench-echo',
  noAsyncTraces: true,
});
nc.subscribe(benchSubjects.echo(), { callback: (_err, msg) => void msg.respond(msg.data) });
await nc.flush();
process.stdout.write('ready\n');
process.once(
  'SIGTERM',
  () =>
    void nc
      .drain()
      .catch(() => undefined)
      .then(() => process.exit(0)),
);
