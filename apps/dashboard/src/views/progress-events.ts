import { ProgressEventType } from '@troupe/client';

export { ProgressEventType };

const SUPERVISOR_TYPES: ReadonlySet<string> = new Set(Object.values(ProgressEventType));

/** An event an agent sent while running a step (it shows the step is running, not only dispatched). */
export const isAgentEvent = (type: string): boolean => !SUPERVISOR_TYPES.has(type);
