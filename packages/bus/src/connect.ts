import { hostname } from 'node:os';
import { credsAuthenticator, nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Bus } from './bus.js';
import { retryWhileUnavailable } from './retry-while-unavailable.js';
import { systemClock, type Clock } from './clock.js';
import { BusError, BusErrorCode } from './errors.js';
import { readCredsFile, resolveConnectOptions, type ConnectOptions } from './options.js';
import type { TopologyOptions } from './topology.js';

export interface BusOptions extends ConnectOptions {
  /** Where the defaults (`NatsEnv`) are read; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  topology?: TopologyOptions;
}

/**
 * Connects to NATS: servers from `NATS_URL` unless given, credentials and TLS files from options or the
 * environment (`NatsEnv`), reconnecting for ever with jittered backoff; `close()` drains.
 */
export async function connect(options: BusOptions = {}): Promise<Bus> {
  const { clock, topology, env, ...connectOptions } = options;
  const o = resolveConnectOptions(connectOptions, env);
  const c = o.credentials;
  const authenticator =
    c.kind === 'creds'
      ? credsAuthenticator(readCredsFile(c.file))
      : c.kind === 'nkey'
        ? nkeyAuthenticator(new TextEncoder().encode(c.seed))
        : undefined;
  let nc: NatsConnection;
  try {
    nc = await natsConnect({
      servers: o.servers,
      name: o.name ?? `troupe-${hostname()}-${process.pid}`,
      timeout: o.timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectWaitMs,
      reconnectJitter: o.reconnectJitterMs,
      waitOnFirstConnect: false,
      noAsyncTraces: true,
      ...(c.kind === 'user' ? { user: c.user, pass: c.pass } : {}),
      ...(c.kind === 'token' ? { token: c.token } : {}),
      ...(o.inboxPrefix ? { inboxPrefix: o.inboxPrefix } : {}),
      ...(authenticator ? { authenticator } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    });
  } catch (err) {
    throw new BusError(
      BusErrorCode.ConnectFailed,
      `cannot connect to NATS at ${o.servers.join(', ')}: ${(err as Error).message}`,
      { cause: err, details: { servers: o.servers } },
    );
  }
  const js = jetstream(nc, { timeout: 10_000 });
  // A cluster that is still electing its leaders answers after a while: wait for it, then fail.
  const jsm = await retryWhileUnavailable(() => jetstreamManager(nc, { timeout: 10_000 }), { attempts: 3 });
  return new Bus(
    { nc, js, jsm },
    { clock: clock ?? systemClock, topology: topology ?? {}, drainTimeoutMs: o.drainTimeoutMs },
  );
}
