import type { Bus } from '../bus.js';
import { natsHandlesOf, type NatsHandles } from '../nats-handles.js';

/**
 * Test-only: the nats.js connection, JetStream client and manager behind a bus, for tests and benchmarks
 * that inspect the server (consumer and stream info) or put on it what Troupe never would (bytes that do
 * not decode). Production code goes through the bus's own methods.
 */
export function natsHandles(bus: Bus): NatsHandles {
  return natsHandlesOf(bus);
}

export type { NatsHandles };

/** Test-only: builds raw NATS headers, for messages that claim what they are not (a payload reference). */
export { headers as natsHeaders } from '@nats-io/nats-core';
