import { FAN_OUT, fanOutWorkflows } from '../pipeline.js';
import { round, summarise, type LatencySummary } from '../stats.js';
import type { TroupeCluster } from '../troupe-harness.js';

export interface FanOutFigures {
  /** One research step per task, one task at a time. */
  single: LatencySummary;
  /** One task whose research step fans out into `width` instances, all dispatched at once. */
  fanOut: LatencySummary;
  /** `width` × the single-step p50: the same work done one step after the other. */
  serialEstimateMs: number;
  /** Fan-out p50 over the serial estimate: below 1, the parallel step wins. */
  ratio: number;
}

export interface FanOutResult {
  width: number;
  zeroLatency: FanOutFigures & { supervisorMessagesPerTask: number };
  modelLatency: FanOutFigures & { modelLatencyMs: number };
  /**
   * The zero-latency fan-out again with a supervisor that handles one event at a time: when that is
   * faster, the 16 results of one task applied at once were fighting over its record (compare-and-set).
   */
  oneEventAtATime?: { fanOut: LatencySummary; supervisorMessagesPerTask: number };
}

/** The zero-latency fan-out measured through the named supervisor (see `oneEventAtATime`). */
export async function runFanOutThrough(
  cluster: TroupeCluster,
  o: { fanOut: number; warmUp: number; supervisor: string },
): Promise<{ fanOut: LatencySummary; supervisorMessagesPerTask: number }> {
  await cluster.closedLoop(fanOutWorkflows.fanOut.name, 0, o.warmUp);
  const before = (await cluster.messagesSent([o.supervisor]))[o.supervisor]!;
  const samples = await cluster.closedLoop(fanOutWorkflows.fanOut.name, o.fanOut, 0);
  const after = (await cluster.messagesSent([o.supervisor]))[o.supervisor]!;
  return {
    fanOut: summarise(samples.map((t) => t.ms)),
    supervisorMessagesPerTask: round((after - before) / o.fanOut, 1),
  };
}

export async function runFanOut(
  cluster: TroupeCluster,
  o: { single: number; fanOut: number; warmUp: number; modelLatencyMs: number; supervisor: string },
): Promise<FanOutResult> {
  const measure = async (single: string, fanOut: string, n: number, m: number): Promise<FanOutFigures> => {
    const s = summarise((await cluster.closedLoop(single, n, o.warmUp)).map((t) => t.ms));
    const f = summarise((await cluster.closedLoop(fanOut, m, o.warmUp)).map((t) => t.ms));
    const serial = s.p50 * FAN_OUT;
    return { single: s, fanOut: f, serialEstimateMs: round(serial, 2), ratio: round(f.p50 / serial, 3) };
  };
  const zero = await measure(fanOutWorkflows.single.name, fanOutWorkflows.fanOut.name, o.single, o.fanOut);
  const sent = await runFanOutThrough(cluster, { fanOut: o.fanOut, warmUp: 0, supervisor: o.supervisor });
  return {
    width: FAN_OUT,
    zeroLatency: { ...zero, supervisorMessagesPerTask: sent.supervisorMessagesPerTask },
    modelLatency: {
      ...(await measure(
        fanOutWorkflows.singleSlow.name,
        fanOutWorkflows.fanOutSlow.name,
        Math.ceil(o.single / 2),
        Math.ceil(o.fanOut / 2),
      )),
      modelLatencyMs: o.modelLatencyMs,
    },
  };
}
