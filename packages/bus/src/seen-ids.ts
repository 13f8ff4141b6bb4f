/**
 * The ids of the log records one reader has handed out, so that a record stored twice is read once: a step
 * re-run after a crash appends the same records (same ids) but may batch them into messages differently,
 * which the server's duplicate window cannot catch. Bounded: duplicates are only ever stored close together
 * (within the duplicate window), so the oldest ids are forgotten past `limit`.
 */
export class SeenIds {
  private readonly ids = new Set<string>();

  constructor(private readonly limit = 50_000) {}

  /** True the first time a record's id is seen; records without a string `id` always pass. */
  firstTime(record: unknown): boolean {
    const id = (record as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return true;
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
