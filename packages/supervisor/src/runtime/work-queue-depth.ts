import { Streams, type Bus } from '@troupe/bus';
import type { TroupeMetrics } from '@troupe/telemetry';

/**
 * Work queue depth per role, read from the work stream's consumers' pending counts when metrics are
 * collected. Returns the function that stops observing.
 */
export function observeWorkQueueDepth(bus: Bus, metrics: TroupeMetrics): () => void {
  return metrics.observeWorkQueueDepth(async (report) => {
    for await (const info of bus.jsm.consumers.list(Streams.Work)) {
      const role = info.config.filter_subject?.split('.').pop();
      if (role) report(role, info.num_pending + info.num_ack_pending);
    }
  });
}
