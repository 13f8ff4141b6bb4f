import type { Bus } from '../bus.js';
import { connect, type BusOptions } from '../connect.js';
import { startNatsServer, type NatsServer, type NatsServerOptions } from './nats-server.js';

export interface TestBus extends AsyncDisposable {
  server: NatsServer;
  bus: Bus;
}

/** A fresh nats-server on a free port and a bus connected to it with Troupe's streams and buckets. */
export async function startTestBus(
  options: { server?: NatsServerOptions; bus?: Omit<BusOptions, 'servers'> } = {},
): Promise<TestBus> {
  const server = await startNatsServer(options.server);
  try {
    const bus = await connect({ ...options.bus, servers: server.url });
    await bus.ensureTopology();
    return {
      server,
      bus,
      async [Symbol.asyncDispose]() {
        await bus.close();
        await server[Symbol.asyncDispose]();
      },
    };
  } catch (err) {
    await server[Symbol.asyncDispose]();
    throw err;
  }
}
