/** What the retry listens to: a connection's status stream (`nc.status()`). */
export type StatusStream = AsyncIterable<{ type: string }>;

/** Attempts per request: the first, and one after each of up to two reconnects while it waits. */
const MAX_ATTEMPTS = 3;

/**
 * A request whose frame went out just before its connection dropped gets no answer: the server that had it
 * died, or answered on a socket that is gone, and nats.js lets the request wait for its timeout (10 s for
 * JetStream). `run` sends an idempotent request again once the connection is back, when it is still waiting
 * then, and settles with the first success of any attempt, or else with the latest attempt's failure (the
 * one that reflects the server as it is now).
 *
 * Only for requests that may safely reach the server twice: JetStream publishes with a message id (the
 * server keeps one), KV reads, puts and deletes, and compare-and-set writes (the second of two is refused as
 * a conflict, and callers already treat a conflict by reading again).
 */
export class ReconnectRetry {
  private readonly waiting = new Set<() => void>();

  constructor(statuses: StatusStream) {
    void (async () => {
      for await (const status of statuses) {
        if (status.type !== 'reconnect') continue;
        const again = [...this.waiting];
        this.waiting.clear();
        for (const attempt of again) attempt();
      }
    })().catch(() => undefined);
  }

  run<T>(request: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let latest = 0;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        this.waiting.delete(attempt);
        settle();
      };
      const attempt = () => {
        if (settled) return;
        const n = ++latest;
        if (n < MAX_ATTEMPTS) this.waiting.add(attempt);
        let sent: Promise<T>;
        try {
          sent = request();
        } catch (err) {
          sent = Promise.reject(err);
        }
        sent.then(
          (value) => finish(() => resolve(value)),
          (err: unknown) => {
            if (n === latest) finish(() => reject(err));
          },
        );
      };
      attempt();
    });
  }
}
