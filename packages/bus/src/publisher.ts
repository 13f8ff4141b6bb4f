import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import type { JetStreamClient } from '@nats-io/jetstream';
import { encodeJson, headerCarrier } from './codec.js';
import { BusError, BusErrorCode } from './errors.js';
import type { PayloadStore } from './payloads.js';
import type { ReconnectGuard } from './reconnect-guard.js';
import { traceHooks } from './trace-hooks.js';

export interface PublishOptions {
  headers?: Record<string, string>;
}

export interface DurablePublishOptions extends PublishOptions {
  /** Idempotency key: a repeat inside the stream's duplicate window is dropped by the server. */
  msgId?: string;
  timeoutMs?: number;
  /**
   * Attempts when the server does not answer in time or has no responder for the stream (a restart, a
   * leader election), with growing waits between them; the msgId keeps a retried message single.
   */
  retries?: number;
}

/** The server's acknowledgement of a durable publish. */
export interface DurableAck {
  stream: string;
  seq: number;
  /** True when the server had the msgId already and dropped this copy. */
  duplicate: boolean;
}

/** Trace context from the active span, then the caller's headers. */
export function outgoingHeaders(extra?: Record<string, string>): MsgHdrs {
  const carrier = headerCarrier(undefined);
  traceHooks().inject(carrier);
  if (extra) for (const [k, v] of Object.entries(extra)) carrier.set(k, v);
  return carrier.headers;
}

/** Sends: core publishes (at most once) and JetStream publishes (stored, acknowledged). */
export class Publisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly payloads: PayloadStore,
    private readonly guard: ReconnectGuard,
  ) {}

  /** Core NATS publish: fast, at most once. Large bodies are not allowed here. */
  publish(subject: string, value: unknown, options: PublishOptions = {}): void {
    const body = encodeJson(value);
    if (body.length > this.payloads.bodyLimit) {
      throw new BusError(
        BusErrorCode.PayloadTooLarge,
        `a ${body.length}-byte body is too large for ${subject}`,
        { details: { subject, size: body.length } },
      );
    }
    this.nc.publish(subject, body, { headers: outgoingHeaders(options.headers) });
  }

  /** Publishes raw bytes without headers or trace context: for telemetry itself. */
  publishRaw(subject: string, data: Uint8Array): void {
    this.nc.publish(subject, data);
  }

  /** JetStream publish, acknowledged by the server once stored. */
  async publishDurable(
    subject: string,
    value: unknown,
    options: DurablePublishOptions = {},
  ): Promise<DurableAck> {
    const headers = outgoingHeaders(options.headers);
    const body = await this.payloads.encodeBody(subject, value, headers);
    const publish = () =>
      this.js.publish(subject, body, {
        headers,
        ...(options.msgId ? { msgID: options.msgId } : {}),
        ...(options.retries ? { retries: options.retries } : {}),
        timeout: options.timeoutMs ?? 10_000,
      });
    const ack = await this.guard.run(publish, `publish to ${subject}`);
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Resolves once the server has processed everything this connection sent before. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }
}
