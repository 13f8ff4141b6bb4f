/** Mirrors the supervisor's `stepKey`: `draft`, `draft-r2` (round 2), `research-3` (fan-out item 3). */
export function stepKey(stepId: string, round: number, index?: number): string {
  const r = round > 1 ? `-r${round}` : '';
  const i = index === undefined ? '' : `-${index + 1}`;
  return `${stepId}${r}${i}`;
}

/** What `stepKey` may add after the step id (the supervisor keeps step ids from colliding with these). */
const SUFFIX = /^(-r\d+)?(-\d+)?$/;

/** The step id an instance key belongs to, among the workflow's step ids; undefined when none fits. */
export function stepIdOfKey(key: string, stepIds: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const id of stepIds) {
    if (!key.startsWith(id) || !SUFFIX.test(key.slice(id.length))) continue;
    if (best === undefined || id.length > best.length) best = id;
  }
  return best;
}

/** The round a key names (`draft-r2` → 2, `draft` → 1), given its step id. */
export function roundOfKey(key: string, stepId: string): number {
  const match = /^-r(\d+)/.exec(key.slice(stepId.length));
  return match ? Number(match[1]) : 1;
}
