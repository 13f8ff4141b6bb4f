import type { JetStreamClient } from '@nats-io/jetstream';
import type { z } from 'zod';
import type { Clock } from './clock.js';
import type { DeadLetters, OnDeadLetter } from './dead-letters.js';
import type { PayloadStore } from './payloads.js';
import type { TopologyAdmin } from './topology-admin.js';
import { Consumers, Streams } from './topology.js';
import {
  assertConcurrency,
  consumeWork,
  type DeadLetterRequest,
  type WorkConsumer,
  type WorkHandler,
} from './work-queue.js';

export interface WorkConsumerOptions<T> {
  role: string;
  schema: z.ZodType<T>;
  concurrency: number;
  handler: WorkHandler<T>;
  keepAlive?: boolean;
  retryDelayMs?: (deliveries: number) => number;
  /** Called after a message was dead-lettered, with its decoded body when it decoded. */
  onDeadLetter?: OnDeadLetter;
  onError?: (err: unknown) => void;
}

export interface DurableConsumerOptions<T> {
  stream: string;
  durable: string;
  schema: z.ZodType<T>;
  concurrency: number;
  handler: WorkHandler<T>;
  onError?: (err: unknown) => void;
}

/** Pull consumers with bounded concurrency: a role's work queue, or a shared durable consumer. */
export class WorkConsumers {
  constructor(
    private readonly js: JetStreamClient,
    private readonly admin: TopologyAdmin,
    private readonly deadLetters: DeadLetters,
    private readonly payloads: PayloadStore,
    private readonly clock: Clock,
  ) {}

  /** Consumes a role's work queue with bounded concurrency; see `consumeWork`. */
  async consumeWork<T>(options: WorkConsumerOptions<T>): Promise<WorkConsumer> {
    assertConcurrency(options.concurrency);
    await this.admin.prepareWorkConsumer(options.role);
    const durable = Consumers.work(options.role);
    const consumer = await this.js.consumers.get(Streams.Work, durable);
    const info = await consumer.info(true);
    const { work } = this.admin.topology;
    const deadLetter = async (req: DeadLetterRequest) => {
      const record = await this.deadLetters.record(durable, req);
      return () => options.onDeadLetter?.(record, req.decoded);
    };
    return consumeWork({
      consumer,
      schema: options.schema,
      handler: options.handler,
      concurrency: options.concurrency,
      // The consumer delivers once more than the attempts: that delivery is dead-lettered, not handled.
      maxDeliver: info.config.max_deliver ? info.config.max_deliver - 1 : work.maxDeliver,
      ackWaitMs: Math.round((info.config.ack_wait ?? work.ackWaitMs * 1e6) / 1e6),
      clock: this.clock,
      loadPayload: (body, subject) => this.payloads.load(body, subject),
      deadLetter,
      ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : {}),
      ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /**
   * Consumes a shared durable consumer of any stream (the supervisors' task and result consumers) with
   * bounded concurrency.
   */
  async consumeDurable<T>(options: DurableConsumerOptions<T>): Promise<WorkConsumer> {
    assertConcurrency(options.concurrency);
    const consumer = await this.js.consumers.get(options.stream, options.durable);
    const info = await consumer.info(true);
    this.deadLetters.watchMaxDeliveries(options.stream, options.durable);
    return consumeWork({
      consumer,
      schema: options.schema,
      handler: options.handler,
      concurrency: options.concurrency,
      maxDeliver: info.config.max_deliver ?? 10,
      ackWaitMs: Math.round((info.config.ack_wait ?? 30e9) / 1e6),
      clock: this.clock,
      loadPayload: (body, subject) => this.payloads.load(body, subject),
      deadLetter: async (req) => {
        await this.deadLetters.record(options.durable, req);
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
}
