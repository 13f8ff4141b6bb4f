import type { EngineContext, StepInstance } from '../workflow/context.js';
import { WorkflowError, WorkflowErrorCode } from '../workflow/errors.js';
import type { TaskRecord } from './task-record.js';

/**
 * A step's output is stored once, in the revision of the task's record that first holds it; later
 * revisions name that revision instead (`outputAt`). Without this every revision of the journal repeated
 * every output so far: a report's records grew by the sum of its outputs at each step.
 */
export interface OutputRevisions {
  /** The revision these were read from or written as. */
  revision: number;
  /** Instance → the revision whose record holds its output. */
  at: Map<string, number>;
}

/** A step instance as a compact revision stores it: its output, or where it is. */
type StoredInstance = StepInstance & { outputAt?: number };

const instanceId = (i: StepInstance) => `${i.key}|${i.round}|${i.index ?? ''}|${i.attempt}`;

function instancesOf(record: TaskRecord): StoredInstance[] | undefined {
  const ctx = (record.snapshot as { context?: EngineContext } | undefined)?.context;
  return Array.isArray(ctx?.instances) ? (ctx.instances as StoredInstance[]) : undefined;
}

function withInstances(record: TaskRecord, instances: StoredInstance[]): TaskRecord {
  const snapshot = record.snapshot as { context: EngineContext };
  return {
    ...record,
    snapshot: { ...snapshot, context: { ...snapshot.context, instances } },
  };
}

/**
 * The record as it is written after `stored`: outputs an earlier revision holds become references to it.
 * Only references that revision `stored.revision` knows are used, so a stale map inlines (never loses)
 * an output.
 */
export function compactRecord(record: TaskRecord, stored: OutputRevisions | undefined): TaskRecord {
  const instances = instancesOf(record);
  if (!instances || !stored || stored.at.size === 0) return record;
  let changed = false;
  const compact = instances.map((i): StoredInstance => {
    const at = i.output === undefined ? undefined : stored.at.get(instanceId(i));
    if (at === undefined) return i;
    changed = true;
    const { output: _output, ...rest } = i;
    return { ...rest, outputAt: at };
  });
  return changed ? withInstances(record, compact) : record;
}

/** Where the outputs of `record` (whole) are once it is written as `revision` on top of `previous`. */
export function outputRevisions(
  record: TaskRecord,
  revision: number,
  previous: OutputRevisions | undefined,
): OutputRevisions {
  const at = new Map<string, number>();
  for (const i of instancesOf(record) ?? []) {
    if (i.output === undefined) continue;
    const id = instanceId(i);
    at.set(id, previous?.at.get(id) ?? revision);
  }
  return { revision, at };
}

/**
 * The whole record from a compact revision: each referenced output read from the revision that holds it
 * (one read per revision named, however many outputs it holds).
 */
export async function expandRecord(
  record: TaskRecord,
  revision: number,
  readRevision: (revision: number) => Promise<TaskRecord | undefined>,
): Promise<{ record: TaskRecord; outputs: OutputRevisions }> {
  const instances = instancesOf(record);
  const at = new Map<string, number>();
  if (!instances) return { record, outputs: { revision, at } };
  const wanted = new Set<number>();
  for (const i of instances) if (i.outputAt !== undefined) wanted.add(i.outputAt);
  const holders = new Map<number, Map<string, unknown>>();
  await Promise.all(
    [...wanted].map(async (rev) => {
      const held = new Map<string, unknown>();
      const holder = await readRevision(rev);
      for (const i of (holder && instancesOf(holder)) ?? []) {
        if (i.output !== undefined) held.set(instanceId(i), i.output);
      }
      holders.set(rev, held);
    }),
  );
  const whole = instances.map((i): StepInstance => {
    const id = instanceId(i);
    if (i.outputAt === undefined) {
      if (i.output !== undefined) at.set(id, revision);
      return i;
    }
    const { outputAt, ...rest } = i;
    const held = holders.get(outputAt);
    if (!held?.has(id)) {
      throw new WorkflowError(
        WorkflowErrorCode.InvalidSnapshot,
        `task ${record.taskId}: the output of step ${i.key} (round ${i.round}) is not in revision ${outputAt}`,
      );
    }
    at.set(id, outputAt);
    return { ...rest, output: held.get(id) };
  });
  return { record: withInstances(record, whole), outputs: { revision, at } };
}
