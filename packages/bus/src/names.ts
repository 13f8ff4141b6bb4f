/** Names of Troupe's streams, buckets and shared consumers. */
export const Streams = {
  Tasks: 'TROUPE_TASKS',
  Work: 'TROUPE_WORK',
  Results: 'TROUPE_RESULTS',
  DeadLetters: 'TROUPE_DLQ',
  /** The live span feed (`troupe.telemetry.spans.<traceId>`), kept a day so a task's trace can be read back. */
  Spans: 'TROUPE_SPANS',
} as const;

export const Buckets = {
  Tasks: 'troupe_tasks',
  Agents: 'troupe_agents',
  Cache: 'troupe_cache',
  Idempotency: 'troupe_idempotency',
  /** taskId → the earliest time the task needs a tick: the supervisors' shared timer table. */
  Wakeups: 'troupe_wakeups',
  Artifacts: 'troupe_artifacts',
} as const;

export const Consumers = {
  SupervisorTasks: 'supervisor-tasks',
  SupervisorResults: 'supervisor-results',
  work: (role: string) => `work-${role}`,
} as const;
