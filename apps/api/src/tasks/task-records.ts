import { Buckets, journal, Streams, subjects, TaskSubmitSchema, type Bus, type TypedKv } from '@troupe/bus';
import { queuedRecord, taskKey, TaskRecordSchema, type TaskRecord } from '@troupe/supervisor';
import { unavailable } from './unavailable.js';

/**
 * Reads tasks for the API, which never writes a task record: the supervisors own them. A task no
 * supervisor has started yet is read from its submission (`troupe.task.submit.<tenant>.<taskId>`, kept until
 * a supervisor has created the record), as a queued record.
 */
export interface TaskRecords {
  /** The task's record, or its submission as a queued record; undefined when neither exists. */
  find(tenant: string, id: string): Promise<TaskRecord | undefined>;
  /** The tenant's task ids (records and queued submissions), newest first (ids made by the API sort by time). */
  ids(tenant: string): Promise<string[]>;
  /** Every version of a task's record from now on (the current one first), until `signal` aborts. */
  watch(record: TaskRecord, signal: AbortSignal): AsyncIterable<TaskRecord>;
}

export function createTaskRecords(bus: Bus): TaskRecords {
  let kv: Promise<TypedKv<TaskRecord>> | undefined;
  const tasks = () => (kv ??= bus.kv(Buckets.Tasks, TaskRecordSchema));
  const stored = async (tenant: string, id: string) =>
    (await (await tasks()).get(taskKey(tenant, id)))?.value;

  const find = async (tenant: string, id: string): Promise<TaskRecord | undefined> => {
    try {
      const record = await stored(tenant, id);
      if (record) return record;
      const submit = await bus.lastOnSubject(
        Streams.Tasks,
        subjects.taskSubmit(tenant, id),
        TaskSubmitSchema,
      );
      if (submit) return queuedRecord(submit, submit.submittedAt);
      // A supervisor acknowledges a submission only once it has created the record: read again, in case
      // that happened between the two reads.
      return await stored(tenant, id);
    } catch (err) {
      throw unavailable(`reading task ${id}`, err);
    }
  };

  const ids = async (tenant: string): Promise<string[]> => {
    // One stream-info request per stream lists every subject, where KV keys() reads a message per task.
    const recorded = journal.subject({ tenant });
    const submitted = subjects.taskSubmits(tenant);
    let lists: string[][];
    try {
      lists = await Promise.all([
        bus.subjectCounts(journal.stream, recorded).then((counts) => [...counts.keys()]),
        bus.subjectCounts(Streams.Tasks, submitted).then((counts) => [...counts.keys()]),
      ]);
    } catch (err) {
      throw unavailable('listing tasks', err);
    }
    const found = new Set(lists.flat().map((subject) => subject.slice(subject.lastIndexOf('.') + 1)));
    return [...found].sort().reverse();
  };

  async function* watch(
    record: TaskRecord,
    signal: AbortSignal,
  ): AsyncGenerator<TaskRecord, void, undefined> {
    const changes = (await tasks()).watch(taskKey(record.tenant, record.taskId), { signal });
    for await (const change of changes) if (change.type === 'value') yield change.value;
  }

  return { find, ids, watch };
}
