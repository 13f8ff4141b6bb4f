import { isTroupeApiError, TroupeApiErrorCode, type TroupeApiError, type TroupeClient } from '@troupe/client';

export interface ClientGuard {
  /** Any call or stream was answered 401: the key is wrong or was revoked. */
  onUnauthorized(error: TroupeApiError): void;
  /** A plain request got an answer (`reached`) or could not reach the API at all (`unreachable`). */
  onRequest?(outcome: 'reached' | 'unreachable'): void;
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' && v !== null && Symbol.asyncIterator in v;

async function* guarded<T>(source: AsyncIterable<T>, check: (err: unknown) => void): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    check(err);
    throw err;
  }
}

/**
 * The same client, watched: every promise and stream it hands out reports a 401 to `onUnauthorized` (and
 * still fails as before), so no page has to remember to send a person back to sign-in.
 */
export function guardClient(client: TroupeClient, guard: ClientGuard): TroupeClient {
  const check = (err: unknown) => {
    if (!isTroupeApiError(err)) return;
    if (err.status === 401) guard.onUnauthorized(err);
    else if (err.code === TroupeApiErrorCode.Network) guard.onRequest?.('unreachable');
    else if (err.status > 0) guard.onRequest?.('reached');
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!wrapped.has(prop)) {
        wrapped.set(prop, (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          if (result instanceof Promise) {
            return result.then(
              (v: unknown) => {
                guard.onRequest?.('reached');
                return v;
              },
              (err: unknown) => {
                check(err);
                throw err;
              },
            );
          }
          return isAsyncIterable(result) ? guarded(result, check) : result;
        });
      }
      return wrapped.get(prop);
    },
  });
}
