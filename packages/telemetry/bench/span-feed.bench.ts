/**
 * What the live span feed costs a handler: the same handler (an agent span with a tool span inside,
 * i.e. two spans) is driven at 10,000 spans/s with
 *   1. no OpenTelemetry SDK (the API's no-ops),
 *   2. the SDK recording spans but exporting nothing,
 *   3. the SDK plus the span feed publishing batches to a real nats-server,
 * and the CPU time per span and handler latency are compared.
 *
 *   node --conditions=@troupe/source --import tsx packages/telemetry/bench/span-feed.bench.ts
 */
import { pathToFileURL } from 'node:url';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { connect, subjects, type Bus } from '@troupe/bus';
import { startNatsServer, type NatsServer, natsHandles } from '@troupe/bus/testing';
import { decodeSpanBatch, initTelemetry, withAgentSpan, withToolSpan, type Telemetry } from '../src/index.js';

export interface SpanFeedBenchRow {
  config: string;
  spans: number;
  spansPerSec: number;
  handlerP50Us: number;
  handlerP99Us: number;
  cpuUsPerSpan: number;
  /** CPU per span above the run without any SDK. */
  overheadUsPerSpan: number;
  /** Spans that reached a subscriber on troupe.telemetry.spans.> (feed run only). */
  delivered?: number;
  dropped?: number;
}

export interface SpanFeedBenchResult {
  name: string;
  rows: SpanFeedBenchRow[];
}

export interface SpanFeedBenchOptions {
  /** Target rate. Default 10,000 spans/s. */
  spansPerSec?: number;
  /** Measured seconds per configuration (after a warm-up of a fifth of it). Default 3. */
  seconds?: number;
}

const SPANS_PER_HANDLER = 2;
let counter = 0;

async function handler(): Promise<number> {
  const n = counter++;
  return withAgentSpan(
    { role: 'researcher', agentId: 'bench-1', taskId: `task-${n % 100}`, stepId: 'research', attempt: 1 },
    () =>
      withToolSpan(
        { tool: 'calculator', callId: `call-${n}`, taskId: `task-${n % 100}` },
        () => JSON.stringify({ n, sum: n * 2 }).length,
      ),
  );
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Runs the handler at the target rate for `seconds`, measuring latency and process CPU. */
async function drive(spansPerSec: number, seconds: number) {
  const handlersPerSec = spansPerSec / SPANS_PER_HANDLER;
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) break;
    const due = Math.floor(elapsed * handlersPerSec);
    while (done < due) {
      const start = performance.now();
      await handler();
      latencies.push(performance.now() - start);
      done++;
    }
    await tick();
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const spans = done * SPANS_PER_HANDLER;
  return {
    spans,
    spansPerSec: Math.round(spans / wall),
    handlerP50Us: Math.round(pct(0.5) * 1000 * 10) / 10,
    handlerP99Us: Math.round(pct(0.99) * 1000 * 10) / 10,
    cpuUsPerSpan: Math.round(((cpu.user + cpu.system) / spans) * 100) / 100,
  };
}

async function measure(
  config: string,
  telemetry: Telemetry,
  o: Required<SpanFeedBenchOptions>,
  afterWarmUp: () => Promise<void> = async () => {},
) {
  await drive(o.spansPerSec, o.seconds / 5); // warm-up: JIT, first batches
  await telemetry.forceFlush();
  await afterWarmUp();
  const result = await drive(o.spansPerSec, o.seconds);
  await telemetry.shutdown();
  return { config, ...result };
}

export async function runSpanFeedBench(options: SpanFeedBenchOptions = {}): Promise<SpanFeedBenchResult> {
  const o = { spansPerSec: options.spansPerSec ?? 10_000, seconds: options.seconds ?? 3 };
  const rows: SpanFeedBenchRow[] = [];

  const none = await measure('no SDK (API no-ops)', initTelemetry({ serviceName: 'bench', env: {} }), o);
  rows.push({ ...none, overheadUsPerSpan: 0 });

  const sdk = await measure(
    'SDK recording, no exporter',
    initTelemetry({ serviceName: 'bench', env: {}, spanProcessors: [new NoopSpanProcessor()] }),
    o,
  );
  rows.push({ ...sdk, overheadUsPerSpan: round(sdk.cpuUsPerSpan - none.cpuUsPerSpan) });

  let server: NatsServer | undefined;
  let bus: Bus | undefined;
  try {
    server = await startNatsServer();
    bus = await connect({ servers: server.url, name: 'span-feed-bench' });
    const consumer = await connect({ servers: server.url, name: 'span-feed-bench-consumer' });
    // The subscriber shares this process (its socket reads are in the CPU figures, so they are an upper
    // bound); it only keeps the messages during the run and decodes them afterwards.
    const received: Uint8Array[] = [];
    const sub = natsHandles(consumer).nc.subscribe(subjects.allSpans(), {
      callback: (_err, msg) => void received.push(msg.data),
    });
    await consumer.flush();
    const feedBus = bus;
    const telemetry = initTelemetry({
      serviceName: 'bench',
      env: {},
      spanFeed: { publish: (p, traceId) => feedBus.publishRaw(subjects.spans(traceId), p) },
    });
    const feed = telemetry.spanFeed;
    let droppedBefore = 0;
    const result = await measure('SDK + span feed to NATS', telemetry, o, async () => {
      await feedBus.flush();
      await consumer.flush();
      received.length = 0;
      droppedBefore = feed?.stats().dropped ?? 0;
    });
    await bus.flush();
    await consumer.flush();
    sub.unsubscribe();
    await consumer.close();
    rows.push({
      ...result,
      overheadUsPerSpan: round(result.cpuUsPerSpan - none.cpuUsPerSpan),
      delivered: received.reduce((n, m) => n + decodeSpanBatch(m).length, 0),
      dropped: (feed?.stats().dropped ?? 0) - droppedBefore,
    });
  } finally {
    await bus?.close();
    await server?.[Symbol.asyncDispose]();
  }
  return { name: 'span-feed', rows };
}

const round = (n: number) => Math.round(n * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSpanFeedBench();
  console.table(result.rows);
  const [none, sdk, feed] = result.rows;
  if (none && sdk && feed) {
    console.log(
      `span feed overhead at ${feed.spansPerSec} spans/s: ${round(feed.cpuUsPerSpan - sdk.cpuUsPerSpan)} µs CPU per span over the SDK alone, ` +
        `${round(feed.cpuUsPerSpan - none.cpuUsPerSpan)} µs over no SDK; ` +
        `handler p50 ${none.handlerP50Us} → ${sdk.handlerP50Us} → ${feed.handlerP50Us} µs`,
    );
  }
  console.log(JSON.stringify(result));
}
