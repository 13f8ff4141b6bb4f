import {
  BusErrorCode,
  isBusError,
  ProgressEventType,
  type BusError,
  type Clock,
  type KvEntry,
  type TaskLog,
  type TypedKv,
} from '@troupe/bus';
import { compactRecord, expandRecord, outputRevisions, type OutputRevisions } from './output-refs.js';
import { TERMINAL_STATUSES, withLog, type TaskRecord } from './task-record.js';

/** The error code of a task failed because its record outgrew what the server stores (max_payload). */
export const RECORD_TOO_LARGE = 'RECORD_TOO_LARGE';

/** A task's record with the revision a compare-and-set of it names. */
export interface StoredRecord {
  value: TaskRecord;
  revision: number;
}

export type EndedStatus = 'failed' | 'cancelled';
export type EndError = { code: string; message: string };

export interface TaskStoreOptions {
  /** KV `troupe_tasks`. */
  tasks: TypedKv<TaskRecord>;
  clock: Clock;
  /** Named in the error of a task whose workflow this supervisor does not know. */
  supervisorId: string;
}

/** Task records in KV `troupe_tasks`, as this supervisor reads and writes them. */
export interface TaskStore {
  /** The record this process last read or wrote for the task, if it still keeps it. */
  cached(key: string): StoredRecord | undefined;
  /** The stored record, read from KV; undefined when there is none. */
  read(key: string): Promise<StoredRecord | undefined>;
  remember(key: string, entry: StoredRecord): void;
  forget(key: string): void;
  /** Creates the record; throws a `CAS_CONFLICT` BusError when one exists. */
  create(key: string, record: TaskRecord): Promise<number>;
  /**
   * Writes `next` if the stored record is still at `revision` and returns the new revision. On a conflict
   * the cached copy, now stale, is dropped and the `CAS_CONFLICT` BusError thrown: the caller reads again.
   */
  update(key: string, next: TaskRecord, revision: number): Promise<number>;
  /** Stores log records in a revision that changes nothing else; false when another write came first. */
  storeLogOnly(key: string, entry: StoredRecord, log: TaskLog): Promise<boolean>;
  /**
   * A transition whose record the server would refuse (the input and step outputs it keeps are over
   * max_payload) cannot be stored, and without a record the task would never move again: it fails with the
   * reason instead, keeping the last snapshot that fit (none when even its first did not), which shows how
   * far it got. Without a `stored.revision` no record exists yet. Returns the failed record as written.
   */
  failTooLarge(
    key: string,
    stored: { value: TaskRecord; revision?: number },
    cause: BusError,
  ): Promise<TaskRecord>;
  /** Fails a task whose workflow this supervisor does not know (unless it has ended already). */
  failUnknownWorkflow(key: string, entry: StoredRecord): Promise<void>;
  /** Ends a task no supervisor has started yet (its record has no snapshot); any other record is left as it is. */
  endUnstarted(key: string, status: EndedStatus, error: EndError): Promise<KvEntry<TaskRecord> | undefined>;
}

const CACHE_LIMIT = 5_000;

export function createTaskStore({ tasks, clock, supervisorId }: TaskStoreOptions): TaskStore {
  /** The last record this process read or wrote per task, with its revision: saves a read per event. */
  const cache = new Map<string, StoredRecord>();
  /** Per task, which revision holds each step output, as of the revision last read or written here. */
  const outputs = new Map<string, OutputRevisions>();
  const bounded = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > CACHE_LIMIT) map.delete(map.keys().next().value!);
  };
  const remember = (key: string, entry: StoredRecord) => bounded(cache, key, entry);
  const forget = (key: string) => {
    cache.delete(key);
    outputs.delete(key);
  };
  const isConflict = (err: unknown) => isBusError(err, BusErrorCode.CasConflict);

  /**
   * Writes the whole record `next` in its compact form (outputs an earlier revision holds referenced, not
   * repeated): over `revision`, or as the first revision when there is none.
   */
  const write = async (key: string, next: TaskRecord, revision: number | undefined) => {
    const known = outputs.get(key);
    const previous = known && known.revision === revision ? known : undefined;
    const stored = compactRecord(next, previous);
    const written =
      revision === undefined ? await tasks.create(key, stored) : await tasks.update(key, stored, revision);
    bounded(outputs, key, outputRevisions(next, written, previous));
    return written;
  };

  return {
    cached: (key) => cache.get(key),
    async read(key) {
      const fresh = await tasks.get(key);
      if (!fresh) return undefined;
      const { record, outputs: at } = await expandRecord(
        fresh.value,
        fresh.revision,
        async (revision) => (await tasks.getRevision(key, revision))?.value,
      );
      bounded(outputs, key, at);
      return { value: record, revision: fresh.revision };
    },
    remember,
    forget,
    create: (key, record) => write(key, record, undefined),
    async update(key, next, revision) {
      try {
        return await write(key, next, revision);
      } catch (err) {
        if (isConflict(err)) forget(key);
        throw err;
      }
    },
    async storeLogOnly(key, entry, log) {
      try {
        const value = withLog(entry.value, log);
        const revision = await write(key, value, entry.revision);
        if (value.status === 'running') remember(key, { value, revision });
        return true;
      } catch (err) {
        if (isConflict(err)) {
          forget(key);
          return false;
        }
        throw err;
      }
    },
    async failTooLarge(key, stored, cause) {
      const error = {
        code: RECORD_TOO_LARGE,
        message:
          `task ${stored.value.taskId} cannot go on: its record would not fit in the store (${cause.message}). ` +
          "Keep its input and step outputs smaller, or raise the server's max_payload.",
      };
      const failed: TaskRecord = { ...endedRecord(stored.value, 'failed', error, clock.now()), wakeAt: null };
      try {
        await write(key, failed, stored.revision);
      } catch (err) {
        if (!isBusError(err, BusErrorCode.PayloadTooLarge)) throw err;
        // Even the input alone is too large: the record says so instead of holding it.
        await write(key, { ...failed, input: { omitted: error.message } }, stored.revision);
      }
      forget(key);
      return failed;
    },
    async failUnknownWorkflow(key, entry) {
      if (TERMINAL_STATUSES.has(entry.value.status)) return;
      const next = endedRecord(
        entry.value,
        'failed',
        {
          code: 'UNKNOWN_WORKFLOW',
          message: `workflow "${entry.value.workflow}" is not known to supervisor ${supervisorId}`,
        },
        clock.now(),
      );
      await write(key, next, entry.revision).catch(() => undefined);
    },
    endUnstarted: (key, status, error) =>
      tasks.casUpdate(key, (current) =>
        current && current.value.snapshot === undefined && !TERMINAL_STATUSES.has(current.value.status)
          ? endedRecord(current.value, status, error, clock.now())
          : undefined,
      ),
  };
}

/**
 * A record ended here, outside the workflow's own transitions (which end a task through the engine), with
 * the final event and audit record that say so.
 */
export function endedRecord(
  record: TaskRecord,
  status: EndedStatus,
  error: EndError,
  at: number,
): TaskRecord {
  const seq = record.seq + 1;
  const id = `${record.taskId}.${seq}.${error.code.toLowerCase()}`;
  const type = status === 'failed' ? ProgressEventType.TaskFailed : ProgressEventType.TaskCancelled;
  const log: TaskLog = {
    events: [{ v: 1, id, taskId: record.taskId, type, at, data: error }],
    audit: [
      {
        v: 1,
        id,
        taskId: record.taskId,
        type,
        at,
        actor: 'supervisor',
        decision: status === 'failed' ? 'fail' : 'cancel',
        error: error.message,
        data: { code: error.code },
      },
    ],
  };
  return { ...withLog(record, log), status, updatedAt: at, seq, error };
}
