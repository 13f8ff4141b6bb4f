import type { FollowOptions, FollowState } from '@troupe/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { createFrameBatcher } from '../lib/frame-batcher.js';
import { useStreamState } from './client-context.js';

export type StreamOpener<T> = (options: FollowOptions & { signal: AbortSignal }) => AsyncIterable<T>;

export interface LiveStreamOptions<T> {
  /** Names the stream's source in the connection indicator. */
  name: string;
  /** Opens the stream (keep it stable with useCallback: a new one reopens it); null opens nothing. */
  open: StreamOpener<T> | null;
  /** What arrived during one animation frame, in order. */
  onBatch: (items: T[]) => void;
  /** A state change; `push` puts an item into the batch at this point (e.g. a resync marker). */
  onState?: (state: FollowState, push: (item: T) => void) => void;
}

export interface LiveStream {
  /** Why the stream stopped (a 403, a broken answer); a 401 signs out instead. */
  error: unknown;
  retry(): void;
}

/**
 * Follows one of the client's streams while the component is mounted, reporting its state to the header,
 * and hands what arrives over once per animation frame: a burst of updates is one render, not hundreds.
 */
export function useLiveStream<T>({ name, open, onBatch, onState }: LiveStreamOptions<T>): LiveStream {
  const report = useStreamState(name);
  const [failure, setFailure] = useState<{ error: unknown; open: StreamOpener<T> } | null>(null);
  const [attempt, setAttempt] = useState(0);
  const handlers = useRef({ onBatch, onState });
  useEffect(() => {
    handlers.current = { onBatch, onState };
  });

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    const batcher = createFrameBatcher<T>((items) => handlers.current.onBatch(items));
    void (async () => {
      try {
        const stream = open({
          signal: controller.signal,
          onState: (state) => {
            report(state);
            handlers.current.onState?.(state, (item) => batcher.push(item));
          },
        });
        for await (const item of stream) batcher.push(item);
      } catch (error) {
        if (!controller.signal.aborted) setFailure({ error, open });
      } finally {
        if (!controller.signal.aborted) report(null);
      }
    })();
    return () => {
      controller.abort();
      batcher.dispose();
    };
  }, [open, attempt, report]);

  const retry = useCallback(() => {
    setFailure(null);
    setAttempt((n) => n + 1);
  }, []);
  // A failure belongs to the stream that failed: reopening another one clears it.
  return { error: failure && failure.open === open ? failure.error : null, retry };
}
