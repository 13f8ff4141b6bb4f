import type { Heartbeat } from '@troupe/bus';

const WINDOW_MS = 60_000;
/** A member not heard from for this long is forgotten (its key expired from the bucket long ago). */
const FORGET_AFTER_MS = 10 * WINDOW_MS;
const MAX_SAMPLES = 256;

interface Sample {
  at: number;
  handled: number;
}

interface History {
  startedAt: number;
  samples: Sample[];
}

/**
 * The `handled` counts of the heartbeats this API process has seen, per member, over about a minute: what
 * `perMinute` is computed from. Seeing the same heartbeat twice (a read and a watch) counts it once.
 */
export class FleetRates {
  private readonly histories = new Map<string, History>();
  private sweptAt = 0;

  record(key: string, heartbeat: Heartbeat): void {
    const { at, handled, startedAt } = heartbeat;
    if (handled === undefined) {
      this.histories.delete(key);
      return;
    }
    let history = this.histories.get(key);
    const last = history?.samples.at(-1);
    // A restarted process under the same id counts from zero again.
    if (!history || history.startedAt !== startedAt || (last && handled < last.handled)) {
      history = { startedAt, samples: [] };
      this.histories.set(key, history);
    } else if (last && at <= last.at) {
      return;
    }
    const { samples } = history;
    samples.push({ at, handled });
    // One sample at or before the window's start stays, as the baseline of a whole minute.
    while (samples.length > 2 && (samples[1]!.at <= at - WINDOW_MS || samples.length > MAX_SAMPLES))
      samples.shift();
    this.sweep(at);
  }

  forget(key: string): void {
    this.histories.delete(key);
  }

  /** Work handled per minute over the last minute; null until two heartbeats of the process were seen. */
  perMinute(key: string, now: number): number | null {
    const samples = this.histories.get(key)?.samples;
    if (!samples || samples.length < 2) return null;
    const latest = samples.at(-1)!;
    if (latest.at <= now - WINDOW_MS) return 0;
    const base = samples.findLast((s) => s.at <= now - WINDOW_MS) ?? samples[0]!;
    const span = latest.at - base.at;
    if (span <= 0) return null;
    return Math.round(((latest.handled - base.handled) / span) * WINDOW_MS * 100) / 100;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < WINDOW_MS) return;
    this.sweptAt = now;
    for (const [key, history] of this.histories) {
      const latest = history.samples.at(-1);
      if (!latest || latest.at < now - FORGET_AFTER_MS) this.histories.delete(key);
    }
  }
}
