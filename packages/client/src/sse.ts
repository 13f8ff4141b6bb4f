import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Reads one Server-Sent Events response body, yielding each message as it completes. The SSE framing is
 * eventsource-parser's; this only adapts a fetch body (a web ReadableStream) to an async iterator and
 * reports `retry:` hints. The reader is cancelled when the caller stops early, which closes the connection.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  onRetry: (ms: number) => void,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (message) => queue.push(message),
    onRetry,
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift()!;
    }
    parser.feed(decoder.decode());
    while (queue.length > 0) yield queue.shift()!;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
