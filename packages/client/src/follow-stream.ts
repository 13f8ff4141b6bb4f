import type { Clock } from '@troupe/bus/contracts';
import type { EventSourceMessage } from 'eventsource-parser';
import { TroupeApiError, TroupeApiErrorCode } from './errors.js';
import { readSse } from './sse.js';

/** Where a followed stream is: the dashboard shows it; a stream that threw is offline. */
export const FollowState = {
  Connecting: 'connecting',
  /** The server answered 200; events flow. */
  Live: 'live',
  /** The connection dropped or failed; waiting to try again. */
  Reconnecting: 'reconnecting',
} as const;
export type FollowState = (typeof FollowState)[keyof typeof FollowState];

export interface FollowOptions {
  signal?: AbortSignal;
  /** Resume after this event (the `id` of the last event seen), sent as `Last-Event-ID`. */
  lastEventId?: number;
  /** Called each time the state changes, starting with `connecting`. */
  onState?: (state: FollowState) => void;
}

/** One Server-Sent Event, as `parse` sees it. */
export interface StreamMessage {
  /** The `event:` field; `message` when the server named none. */
  event: string;
  data: string;
  /** The `id:` field, when it is a non-negative integer. */
  id: number | undefined;
}

export interface FollowStreamOptions<T> extends FollowOptions {
  /**
   * What one event hands out, or `undefined` to pass over it (an event this client does not know). A throw
   * means the server broke the contract: the stream ends with INVALID_RESPONSE naming it.
   */
  parse(message: StreamMessage): T | undefined;
}

/** What following a stream needs from the client around it. */
export interface FollowTransport {
  /** One GET of `path` with these headers: any HTTP answer, or a NETWORK / ABORTED TroupeApiError. */
  get(path: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response>;
  /** The error a non-2xx answer stands for. */
  errorFor(res: Response, what: string): Promise<TroupeApiError>;
  clock: Clock;
  /** The wait before reconnecting while the server sent no `retry:` hint. */
  reconnectDelayMs: number;
  /** Failures in a row (no event handed out in between) before giving up; may be Infinity. */
  maxReconnects: number;
}

/**
 * Follows one Server-Sent Events stream of the API over fetch (so it can send `Authorization`, which
 * EventSource cannot), yielding what `parse` makes of each event. When the connection drops or a retryable
 * answer comes (network error, 408, 429, 5xx) it waits — the server's `retry:` hint, `Retry-After`, or
 * `reconnectDelayMs`, on the transport's clock — and connects again with `Last-Event-ID` set to the last
 * id it saw, skipping any event at or before it. It ends on `event: end`, and throws at once on any other
 * 4xx: a key that stopped working must surface, not loop.
 */
export async function* followStream<T>(
  transport: FollowTransport,
  path: string,
  options: FollowStreamOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const { signal, parse, onState } = options;
  const { clock, maxReconnects } = transport;
  const what = `GET ${path}`;
  let lastId = options.lastEventId;
  let retryMs = transport.reconnectDelayMs;
  let failures = 0;
  let state: FollowState | undefined;
  const enter = (next: FollowState) => {
    if (next === state) return;
    state = next;
    onState?.(next);
  };
  const failed = async (why: string, cause: unknown, waitMs = retryMs) => {
    failures++;
    if (failures > maxReconnects) {
      throw new TroupeApiError(
        TroupeApiErrorCode.Network,
        `${what} failed ${failures} times in a row (${why})`,
        { cause, details: { lastEventId: lastId } },
      );
    }
    enter(FollowState.Reconnecting);
    await pauseOn(clock, waitMs, signal);
  };

  enter(FollowState.Connecting);
  for (;;) {
    if (signal?.aborted) throw abortedError(signal);
    let res: Response;
    try {
      res = await transport.get(
        path,
        {
          accept: 'text/event-stream',
          ...(lastId !== undefined ? { 'last-event-id': String(lastId) } : {}),
        },
        signal,
      );
    } catch (err) {
      if (!(err instanceof TroupeApiError) || err.code !== TroupeApiErrorCode.Network) throw err;
      await failed('cannot connect', err);
      continue;
    }
    if (!res.ok) {
      const err = await transport.errorFor(res, what);
      if (!isRetryableStatus(res.status)) throw err;
      await failed(
        err.message,
        err,
        err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : retryMs,
      );
      continue;
    }
    const type = res.headers.get('content-type') ?? '';
    if (!res.body || !/^text\/event-stream\b/i.test(type)) {
      await res.body?.cancel().catch(() => undefined);
      throw new TroupeApiError(
        TroupeApiErrorCode.InvalidResponse,
        `${what} answered ${res.status} ${res.body ? `with ${type || 'no content type'}` : 'without a body'}, not an event stream`,
        { status: res.status },
      );
    }
    enter(FollowState.Live);
    let dropped: unknown;
    try {
      for await (const raw of readSse(res.body, (ms) => (retryMs = ms))) {
        if (raw.event === 'end') return;
        const message = toStreamMessage(raw);
        if (message.id !== undefined && lastId !== undefined && message.id <= lastId) continue;
        const value = parseOrThrow(parse, message, what);
        if (message.id !== undefined) lastId = message.id;
        if (value === undefined) continue;
        failures = 0;
        yield value;
      }
    } catch (err) {
      if (signal?.aborted) throw abortedError(signal, err);
      if (err instanceof TroupeApiError) throw err;
      dropped = err;
    }
    await failed('connection dropped', dropped);
  }
}

/** 408 and 429 say "later"; a 5xx may be a restarting API. Any other 4xx will not change by retrying. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function toStreamMessage(raw: EventSourceMessage): StreamMessage {
  const id = raw.id !== undefined && /^\d+$/.test(raw.id) ? Number(raw.id) : undefined;
  return {
    event: raw.event ?? 'message',
    data: raw.data,
    id: id !== undefined && Number.isSafeInteger(id) ? id : undefined,
  };
}

function parseOrThrow<T>(
  parse: (message: StreamMessage) => T | undefined,
  message: StreamMessage,
  what: string,
): T | undefined {
  try {
    return parse(message);
  } catch (err) {
    if (err instanceof TroupeApiError) throw err;
    const at = message.id !== undefined ? ` (id ${message.id})` : '';
    throw new TroupeApiError(
      TroupeApiErrorCode.InvalidResponse,
      `${what} sent a "${message.event}" event${at} that does not match the API schema: ${reasonOf(err)}`,
      { cause: err },
    );
  }
}

/** A zod error's first issues, or any other error's message. */
function reasonOf(err: unknown): string {
  const issues = (err as { issues?: unknown }).issues;
  if (Array.isArray(issues)) {
    return (issues as Array<{ path: PropertyKey[]; message: string }>)
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

function pauseOn(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortedError(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortedError(signal: AbortSignal, cause?: unknown): TroupeApiError {
  return new TroupeApiError(TroupeApiErrorCode.Aborted, 'the request was aborted', {
    cause: signal.reason ?? cause,
  });
}
