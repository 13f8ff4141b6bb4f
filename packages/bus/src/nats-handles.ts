import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { BusError, BusErrorCode } from './errors.js';

/** The nats.js handles behind a bus. They never leave the package, except through `@troupe/bus/testing`. */
export interface NatsHandles {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

const handles = new WeakMap<object, NatsHandles>();

export function registerNatsHandles(owner: object, nats: NatsHandles): void {
  handles.set(owner, nats);
}

export function natsHandlesOf(owner: object): NatsHandles {
  const nats = handles.get(owner);
  if (!nats) {
    throw new BusError(BusErrorCode.InvalidOptions, 'not a bus made by connect()', {
      details: { option: 'bus' },
    });
  }
  return nats;
}
