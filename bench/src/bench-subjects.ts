/**
 * Subjects the benchmark uses for itself, outside Troupe's `troupe.` namespace: the baseline's echo
 * service and the probes through which the orchestrator asks a child process for its memory, counters
 * and CPU profile.
 */
export const benchSubjects = {
  echo: () => 'bench.echo',
  probe: (name: string) => `bench.probe.${name}`,
} as const;
