import type { Bus } from '@troupe/bus';
import type { TroupeMetrics } from '@troupe/telemetry';

/**
 * Work queue depth per role, read from the work stream's consumers' pending counts when metrics are
 * collected. Returns the function that stops observing.
 */
export function observeWorkQueueDepth(bus: Bus, metrics: TroupeMetrics): () => void {
  return metrics.observeWorkQueueDepth(async (report) => {
    for (const [role, depth] of await bus.workQueueDepths()) report(role, depth);
  });
}
