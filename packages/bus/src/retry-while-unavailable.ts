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
 * Runs `request` again while JetStream is unavailable (see `isUnavailable`), waiting 250 ms, then twice as
 * long each time up to 4 s, for at most `attempts` tries: a process that starts while a cluster elects its
 * leaders waits for them instead of exiting. Any other error is thrown at once.
 */
export async function retryWhileUnavailable<T>(
  request: () => Promise<T>,
  options: { attempts?: number; clock?: Clock } = {},
): Promise<T> {
  const { attempts = 8, clock = systemClock } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= attempts || !isUnavailable(err)) throw err;
      await pause(Math.min(4_000, 250 * 2 ** (attempt - 1)), clock);
    }
  }
}
