import { Buckets } from './names.js';

/** At most this many records share one stored message; a record's position is `streamSeq * LOG_SLOTS + index`. */
export const LOG_SLOTS = 1_000;

/** Which of a journal entry's records a reader wants. */
export type JournalKind = 'events' | 'audit';

/** Whose journal to read: one task (of a tenant, or of any), a tenant's tasks, or every task. */
export interface JournalFilter {
  tenant?: string;
  taskId?: string;
}

const prefix = `$KV.${Buckets.Tasks}.`;

/**
 * The task journal's names: KV `troupe_tasks` keeps every revision of a task's record under
 * `<tenant>.<taskId>`, and each revision carries the `log` (events and audit records) its write added.
 */
export const journal = {
  stream: `KV_${Buckets.Tasks}`,
  prefix,
  subject(filter: JournalFilter = {}): string {
    if (filter.tenant === undefined && filter.taskId === undefined) return `${prefix}>`;
    return `${prefix}${filter.tenant ?? '*'}.${filter.taskId ?? '*'}`;
  },
} as const;

/** The records of one kind a stored journal entry carries (none for a deletion marker or a foreign body). */
export function journalRecords(kind: JournalKind): (entry: unknown) => unknown[] {
  return (entry) => {
    const log = (entry as { log?: Record<JournalKind, unknown> } | null)?.log;
    const records = log?.[kind];
    return Array.isArray(records) ? records : [];
  };
}
