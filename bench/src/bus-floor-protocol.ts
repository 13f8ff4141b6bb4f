/**
 * The names and message shapes of the bus floor: Troupe's hop (a coordinator keeps each task's state in KV
 * with a compare-and-set, hands each step to a work queue, and takes the step's result from a stream) on
 * the bare nats.js clients, with no framework around it. What Troupe adds on top of this is its own cost.
 */
import type { StepPayload } from './step-work.js';

export const FLOOR = {
  workStream: 'FLOOR_WORK',
  supervisorStream: 'FLOOR_SUPERVISOR',
  bucket: 'floor_tasks',
  supervisorConsumer: 'floor-supervisor',
  workConsumer: (step: string) => `floor-${step}`,
  work: (step: string) => `floor.work.${step}`,
  submit: 'floor.supervisor.submit',
  result: 'floor.supervisor.result',
  done: (taskId: string) => `floor.done.${taskId}`,
  allDone: 'floor.done.>',
} as const;

/** A submission, an assignment and a result alike: the task, the step it is at, and the payload. */
export interface FloorMessage {
  taskId: string;
  step: number;
  payload: StepPayload;
}
