// The other end of the baseline's request/reply round trip: echoes every request, nothing else.
import { connect } from '@troupe/bus';
import { benchSubjects } from '../bench-subjects.js';

const bus = await connect({ name: 'bench-echo' });
bus.nc.subscribe(benchSubjects.echo(), { callback: (_err, msg) => void msg.respond(msg.data) });
await bus.nc.flush();
process.stdout.write('ready\n');
process.once('SIGTERM', () => void bus.close().then(() => process.exit(0)));
