/**
 * How a long-running process (agent, supervisor, api) starts and stops, alone or under `troupe up`.
 *
 * Under `troupe up` (`TROUPE_MANAGED=1` and an IPC channel) the parent decides the order of shutdown:
 * the child reports `ready` over IPC, ignores SIGINT and SIGHUP (a Ctrl-C in the terminal reaches the whole process
 * group, and the parent stops the children one kind after the other with SIGTERM), and stops by itself
 * when the parent goes away (the IPC channel closes).
 */

/** What a process tells `troupe up` (and prints) once it serves. */
export interface ProcessReport {
  kind: 'agent' | 'supervisor' | 'api';
  pid: number;
  /** Agents: the roles this process serves. */
  roles?: string[];
  /** Agents: `provider:model` per role, as the model resolution chose it. */
  models?: Record<string, string>;
  /** Agent or supervisor id, as heartbeats and audit records show it. */
  id?: string;
  /** API: where it listens. */
  url?: string;
  /** Supervisor: the workflows it runs. */
  workflows?: string[];
}

export type ChildMessage =
  { type: 'ready'; report: ProcessReport } | { type: 'failed'; message: string; hint?: string };

export const MANAGED_ENV = 'TROUPE_MANAGED';

export function isManaged(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env[MANAGED_ENV] === '1' && typeof process.send === 'function';
}

export function sendToParent(message: ChildMessage): void {
  if (isManaged() && process.connected) process.send!(message);
}

/**
 * Resolves once the process should stop: SIGTERM, SIGINT (only when not managed), or, when managed, the
 * parent's IPC channel closing. Later signals while stopping are ignored: the stop in progress finishes.
 */
export function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const managed = isManaged();
    let done = false;
    const finish = (why: string) => {
      if (done) return;
      done = true;
      resolve(why);
    };
    process.on('SIGTERM', () => finish('SIGTERM'));
    // A listener also keeps SIGINT from killing the process: under `troupe up` the parent sends SIGTERM in order.
    process.on('SIGINT', () => {
      if (!managed) finish('SIGINT');
    });
    // A closed terminal hangs up the whole group: alone, stop; under `troupe up`, the parent stops us in order.
    process.on('SIGHUP', () => {
      if (!managed) finish('SIGHUP');
    });
    if (managed) process.once('disconnect', () => finish('parent gone'));
  });
}

/** Runs a process body: serve until told to stop, stop cleanly, exit 0 (1 when stopping failed). */
export async function serveUntilStopped(
  stop: () => Promise<void>,
  log: (line: string) => void,
): Promise<never> {
  const why = await waitForStop();
  log(`stopping (${why})`);
  try {
    await stop();
  } catch (err) {
    log(`stop failed: ${(err as Error).message}`);
    process.exit(1);
  }
  log('stopped');
  process.exit(0);
}
