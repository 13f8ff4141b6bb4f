import { BusError, BusErrorCode } from './errors.js';

/** What the guard listens to: a connection's status stream (`nc.status()`). */
export type StatusStream = AsyncIterable<{ type: string }>;

/**
 * No request outlives its connection: one in flight when the connection drops fails at once with
 * DISCONNECTED, and one made while it is down fails right away, instead of either waiting for its timeout.
 *
 * A request whose frame went out just before the connection dropped gets no answer (the server that had it
 * died, or answered on a socket that is gone), and nats.js lets it wait for its timeout: 10 s for JetStream.
 * It is not simply sent again on the new connection either: an answer there says nothing about what the
 * old one lost. So the request fails, and its caller recovers the way
 * it recovers from any failed request (a work item is redelivered and its effects sent again, idempotently).
 */
export class ReconnectGuard {
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<(reason: string) => void>();
  private connected = true;

  constructor(statuses: StatusStream) {
    void (async () => {
      for await (const status of statuses) {
        if (status.type === 'disconnect') {
          this.connected = false;
          for (const fail of [...this.pending]) fail('the connection dropped before an answer');
        } else if (status.type === 'reconnect') {
          this.connected = true;
          for (const listener of [...this.listeners]) listener();
        }
      }
    })().catch(() => undefined);
  }

  /** Resolves now while connected, else once the connection is back. */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const stop = this.onReconnect(() => {
        stop();
        resolve();
      });
    });
  }

  /** Calls `listener` at every reconnect until the returned function is called. */
  onReconnect(listener: () => void): () => void {
    const own = () => listener();
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  /** Runs `request`, unless the connection is down; fails with DISCONNECTED when it drops meanwhile. */
  run<T>(request: () => Promise<T>, what: string): Promise<T> {
    const disconnected = (reason: string) =>
      new BusError(BusErrorCode.Disconnected, `${what}: ${reason}; it may or may not have been applied`, {
        details: { what },
      });
    if (!this.connected) return Promise.reject(disconnected('not connected to NATS'));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.pending.delete(fail);
        fn();
      };
      const fail = (reason: string) => settle(() => reject(disconnected(reason)));
      this.pending.add(fail);
      let sent: Promise<T>;
      try {
        sent = request();
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (value) => settle(() => resolve(value)),
        (err: unknown) => settle(() => reject(err)),
      );
    });
  }
}
