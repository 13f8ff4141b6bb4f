import { pause, systemClock, type Clock } from './clock.js';
import { BusError, BusErrorCode } from './errors.js';

/**
 * Whether JetStream could not answer yet rather than refused: a request timed out, nobody answered, the
 * connection was down, or the server said it is temporarily unavailable (a cluster electing its leaders).
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof BusError) return err.code === BusErrorCode.Disconnected;
  const e = err as { name?: string; message?: string; code?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'NoRespondersError') return true;
  return /timeout|no responders|temporarily unavailable|jetstream not (yet )?ready/i.test(
    String(e?.message ?? ''),
  );
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
