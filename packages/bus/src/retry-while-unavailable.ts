import { pause, systemClock, type Clock } from './clock.js';
import { BusError, BusErrorCode } from './errors.js';

/** nats.js's errors for a request nobody answered in time, or nobody answered at all. */
const UNANSWERED = new Set(['TimeoutError', 'NoResponders', 'NoRespondersError']);

/** The JetStream API's answer while a cluster has no meta leader yet, or a stream no leader. */
const NOT_READY = /^jetstream (system )?temporarily unavailable$|^jetstream not (yet )?ready$/i;

/**
 * Whether JetStream could not answer yet rather than refused: the request (or what it wraps, e.g. nats.js's
 * `RequestError`) timed out or found no responder, the connection was down, or the server said it is
 * temporarily unavailable (a cluster electing its leaders, status 503). An error that only mentions a
 * timeout in its text (a refusal that quotes one) is not.
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BusError) return e.code === BusErrorCode.Disconnected;
    if (UNANSWERED.has(e.name)) return true;
    const status =
      e.name === 'JetStreamStatusError' ? (e as { code?: unknown }).code : (e as { status?: unknown }).status;
    if (status === 503) return true;
    if (NOT_READY.test(e.message)) return true;
  }
  return false;
}

/**
 * Runs `request` again while `retryable` says its error is passing, waiting `delayMs(attempt)` between
 * tries, for at most `attempts` tries; any other error is thrown at once.
 */
export async function retryWhile<T>(
  retryable: (err: unknown) => boolean,
  request: () => Promise<T>,
  options: { attempts: number; delayMs: (attempt: number) => number; clock?: Clock },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= options.attempts || !retryable(err)) throw err;
      await pause(options.delayMs(attempt), options.clock ?? systemClock);
    }
  }
}

/**
 * Runs `request` again while JetStream is unavailable (see `isUnavailable`), waiting 250 ms, then twice as
 * long each time up to 4 s, for at most `attempts` tries: a process that starts while a cluster elects its
 * leaders waits for them instead of exiting. Any other error is thrown at once.
 */
export function retryWhileUnavailable<T>(
  request: () => Promise<T>,
  options: { attempts?: number; clock?: Clock } = {},
): Promise<T> {
  return retryWhile(isUnavailable, request, {
    attempts: options.attempts ?? 8,
    delayMs: (attempt) => Math.min(4_000, 250 * 2 ** (attempt - 1)),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
