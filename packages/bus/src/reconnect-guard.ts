import { BusError, BusErrorCode } from './errors.js';

/** What the guard listens to: a connection's status stream (`nc.status()`). */
export type StatusStream = AsyncIterable<{ type: string }>;

/**
 * Requests that cross a reconnect fail at once instead of at their timeout.
 *
 * A request whose frame went out just before its connection dropped gets no answer (the server that had it
 * died, or answered on a socket that is gone), and nats.js lets it wait for its timeout: 10 s for JetStream.
 * Sending it again on the new connection would not do either: Troupe's acknowledged publishes also confirm
 * the log records written before them on the same connection (`Bus.sendLogs`), and an answer on the new
 * connection says nothing about what the old one lost. So a request still waiting when the connection comes
 * back fails with DISCONNECTED, and its caller recovers the way it recovers from any failed request (a work
 * item is redelivered and its effects sent again, idempotently).
 */
export class ReconnectGuard {
  private readonly listeners = new Set<() => void>();

  constructor(statuses: StatusStream) {
    void (async () => {
      for await (const status of statuses) {
        if (status.type !== 'reconnect') continue;
        for (const listener of [...this.listeners]) listener();
      }
    })().catch(() => undefined);
  }

  /** Calls `listener` at every reconnect until the returned function is called. */
  onReconnect(listener: () => void): () => void {
    const own = () => listener();
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  /** Runs `request`; fails with DISCONNECTED when the connection comes back while it still waits. */
  run<T>(request: () => Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        stopWatching();
        fn();
      };
      const stopWatching = this.onReconnect(() =>
        settle(() =>
          reject(
            new BusError(
              BusErrorCode.Disconnected,
              `${what}: the connection dropped and came back before an answer; it may or may not have been applied`,
              { details: { what } },
            ),
          ),
        ),
      );
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
